/** Routing and wire details of the fake Open WebUI (tests/fakes/open-webui.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { FakeChat } from './open-webui-types.ts';

export type Route =
	| 'version'
	| 'auths'
	| 'users'
	| 'user'
	| 'chat-list'
	| 'chat'
	| 'models'
	| 'workspace-models'
	| 'knowledge'
	| 'files'
	| 'feedback'
	| 'spa';

/** Which route a path is, exactly as Open WebUI mounts them (trailing slashes matter). */
export function classify(path: string): { route: Route; id: string } {
	const match = (re: RegExp) => re.exec(path);
	let m: RegExpExecArray | null;
	if (path === '/api/version') return { route: 'version', id: '' };
	if (path === '/api/v1/auths/') return { route: 'auths', id: '' };
	if (path === '/api/v1/users/') return { route: 'users', id: '' };
	if (path === '/api/models') return { route: 'models', id: '' };
	if (path === '/api/v1/models/list') return { route: 'workspace-models', id: '' };
	if (path === '/api/v1/knowledge/') return { route: 'knowledge', id: '' };
	if (path === '/api/v1/files/') return { route: 'files', id: '' };
	if (path === '/api/v1/evaluations/feedbacks/list') return { route: 'feedback', id: '' };
	if ((m = match(/^\/api\/v1\/chats\/list\/user\/([^/]+)$/))) {
		return { route: 'chat-list', id: decodeURIComponent(m[1]) };
	}
	if ((m = match(/^\/api\/v1\/chats\/([^/]+)$/)) && !['list', 'all'].includes(m[1])) {
		return { route: 'chat', id: decodeURIComponent(m[1]) };
	}
	if ((m = match(/^\/api\/v1\/users\/([^/]+)$/))) {
		return { route: 'user', id: decodeURIComponent(m[1]) };
	}
	return { route: 'spa', id: '' };
}

/**
 * Open WebUI's ordering: `order_by` with `direction` sorts; `order_by` alone is dropped (no defined
 * order, here: a scrambled one); an unknown column or direction is a server error (null). Ties
 * come back by id (SQLite keeps them stable enough), or, given `tieSeed`, in an order that changes
 * with the seed (PostgreSQL gives no order within a tie, and it can differ between requests).
 */
export function ordered<T extends { id: string }>(
	rows: T[],
	query: URLSearchParams,
	columns: string[],
	tieSeed?: number
): T[] | null {
	const column = query.get('order_by');
	const direction = query.get('direction');
	if (!column || !direction) return scramble(rows);
	if (!columns.includes(column) || !['asc', 'desc'].includes(direction)) return null;
	const sign = direction === 'asc' ? 1 : -1;
	const tie = (id: string) => (tieSeed === undefined ? id : mix(id, tieSeed));
	return [...rows].sort((a, b) => {
		const x = (a as Record<string, unknown>)[column] as number | string;
		const y = (b as Record<string, unknown>)[column] as number | string;
		if (x !== y) return x < y ? -sign : sign;
		const p = tie(a.id);
		const q = tie(b.id);
		return p < q ? -1 : p > q ? 1 : 0;
	});
}

/** A hash of an id, mixed with a seed. */
function mix(id: string, seed: number): number {
	let h = (seed * 2654435761) >>> 0 || 7;
	for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
	return h;
}

function scramble<T extends { id: string }>(rows: T[]): T[] {
	const key = (id: string) => [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
	return [...rows].sort((a, b) => key(a.id) - key(b.id));
}

export function slice<T>(rows: T[], page: number, size: number): T[] {
	return rows.slice((page - 1) * size, page * size);
}

export function chatResponse(chat: FakeChat) {
	const { legacy, ...row } = chat;
	const body: Record<string, unknown> = { ...row.chat };
	if (legacy) {
		body.messages = Object.values(row.chat.history.messages);
		delete body.history;
	}
	return { ...row, chat: body, share_id: null, pinned: false, meta: { tags: [] }, folder_id: null };
}

/** Writes an answer, gzipped when over 500 bytes and the client accepts it; returns whether it was. */
export function send(
	req: IncomingMessage,
	res: ServerResponse,
	status: number,
	body: unknown,
	type: string,
	extra: Record<string, string> = {}
): boolean {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	let payload = Buffer.from(text);
	const headers: Record<string, string> = { 'content-type': type, ...extra };
	const gzip = payload.length > 500 && /\bgzip\b/.test(String(req.headers['accept-encoding']));
	if (gzip) {
		payload = gzipSync(payload, { level: 1 });
		headers['content-encoding'] = 'gzip';
	}
	headers['content-length'] = String(payload.length);
	res.writeHead(status, headers);
	res.end(payload);
	return gzip;
}
