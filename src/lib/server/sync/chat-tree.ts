/**
 * Turns one `GET /api/v1/chats/{id}` answer into the rows Parley imports: the chat and every
 * message of every branch (`chat.history.messages`; the legacy linear `chat.messages` only when a
 * chat has no history map, so nothing is counted twice).
 */
import {
	ShapeError,
	contentLength,
	isObject,
	readUsage,
	requireId,
	seconds,
	str,
	type Json
} from './remote.ts';
import { remoteTime, toEpochSeconds } from './timestamps.ts';

export interface ImportedMessage {
	/** "{chatId}-{messageId}": Open WebUI's own key for a chat message. */
	key: string;
	parentId: string | null;
	role: string;
	/** The answering model (assistant messages). */
	model: string | null;
	createdAt: Date;
	/** Assistant messages only: what the answer used, reported or estimated. */
	usage: {
		promptTokens: number;
		completionTokens: number;
		estimated: boolean;
		durationMs: number | null;
	} | null;
	status: 'done' | 'error';
}

export interface ImportedChat {
	id: string;
	userId: string;
	title: string;
	archived: boolean;
	createdAt: Date;
	/** Raw remote `updated_at` in seconds: what listings are compared against next time. */
	updatedS: number;
	messages: ImportedMessage[];
	/** Problems that did not stop the import (e.g. clamped timestamps). */
	warnings: string[];
}

const ROLES = new Set(['user', 'assistant', 'system']);

/** About four characters a token, as Parley estimates for providers that report no usage. */
const estimate = (chars: number) => Math.ceil(chars / 4);

/**
 * Reads a chat answer. Throws a ShapeError naming the problem when the chat cannot be imported
 * whole; the caller then imports nothing of it.
 */
export function readChat(body: unknown, nowS: number): ImportedChat {
	if (!isObject(body)) throw new ShapeError('the chat is not a JSON object.');
	const id = requireId(body, 'id', 'The chat');
	const userId = requireId(body, 'user_id', 'The chat');
	const chatJson = body.chat;
	if (!isObject(chatJson)) throw new ShapeError('the chat has no "chat" object.');
	const createdS = toEpochSeconds(body.created_at);
	const updatedS = seconds(body.updated_at);
	const sane = (s: number | null) =>
		s !== null && s > 946_684_800 && s <= nowS + 86_400 ? s : null;
	// Where a message's own time is missing or in the future: the chat's last save, which no
	// message can postdate.
	const fallbackS = sane(updatedS) ?? sane(createdS) ?? nowS;
	const created = remoteTime(body.created_at, fallbackS, nowS);
	const warnings: string[] = [];
	if (created.problem) warnings.push(`its created_at was ${created.problem}`);

	const nodes = messageNodes(chatJson);
	const byId = new Map(nodes.map((n) => [n.id, n]));
	const pathCache = new Map<string, number>();
	/** Characters of a message and all its ancestors: the context an answer was given. */
	const pathChars = (messageId: string | null): number => {
		// Walk up to the root (or a known ancestor), then fill the cache on the way down.
		const chain: Node[] = [];
		const visited = new Set<string>();
		let cursor = messageId;
		let base = 0;
		while (cursor) {
			const cached = pathCache.get(cursor);
			if (cached !== undefined) {
				base = cached;
				break;
			}
			const node = byId.get(cursor);
			if (!node || visited.has(cursor)) break; // unknown parent, or a cycle in a malformed tree
			visited.add(cursor);
			chain.push(node);
			cursor = node.parentId;
		}
		for (let i = chain.length - 1; i >= 0; i--) {
			base += contentLength(chain[i].raw.content);
			pathCache.set(chain[i].id, base);
		}
		return messageId ? (pathCache.get(messageId) ?? 0) : 0;
	};

	const problems = { missing: 0, future: 0 };
	const messages = nodes.map((node): ImportedMessage => {
		const { raw } = node;
		const role = str(raw.role);
		if (!role) throw new ShapeError(`message ${node.id} has no "role".`);
		if (!ROLES.has(role)) throw new ShapeError(`message ${node.id} has an unknown role "${role}".`);
		const time = remoteTime(raw.timestamp, fallbackS, nowS);
		if (time.problem) problems[time.problem]++;
		const assistant = role === 'assistant';
		const model = assistant
			? (str(raw.model) ?? str(raw.modelName) ?? firstModel(chatJson) ?? 'unknown')
			: null;
		let usage: ImportedMessage['usage'] = null;
		if (assistant) {
			const reported = readUsage(raw);
			usage = reported
				? { ...reported, estimated: false }
				: {
						promptTokens: estimate(pathChars(node.parentId)),
						completionTokens: estimate(contentLength(raw.content)),
						estimated: true,
						durationMs: null
					};
		}
		return {
			key: `${id}-${node.id}`,
			parentId: node.parentId,
			role,
			model,
			createdAt: time.date,
			usage,
			status: raw.error ? 'error' : 'done'
		};
	});
	if (problems.future) {
		warnings.push(
			`${problems.future} message timestamp(s) were in the future; used the chat’s time`
		);
	}
	if (problems.missing) {
		warnings.push(`${problems.missing} message timestamp(s) were missing; used the chat’s time`);
	}
	return {
		id,
		userId,
		title: (str(body.title) ?? str(chatJson.title) ?? '').slice(0, 500),
		archived: body.archived === true,
		createdAt: created.date,
		updatedS,
		messages,
		warnings
	};
}

interface Node {
	id: string;
	parentId: string | null;
	raw: Json;
}

function messageNodes(chat: Json): Node[] {
	const history = chat.history;
	if (isObject(history) && history.messages !== undefined) {
		if (!isObject(history.messages)) {
			throw new ShapeError('"chat.history.messages" is not an object.');
		}
		return Object.entries(history.messages).map(([key, raw]) => {
			if (!isObject(raw)) throw new ShapeError(`message ${key} is not an object.`);
			return { id: key, parentId: str(raw.parentId), raw };
		});
	}
	if (chat.messages === undefined) return [];
	if (!Array.isArray(chat.messages)) throw new ShapeError('"chat.messages" is not a list.');
	// Legacy chats without a history map: a linear list, each message the child of the previous.
	let previous: string | null = null;
	return chat.messages.map((raw, index) => {
		if (!isObject(raw)) throw new ShapeError(`message #${index + 1} is not an object.`);
		const id = requireId(raw, 'id', `Message #${index + 1}`);
		const node = { id, parentId: str(raw.parentId) ?? previous, raw };
		previous = id;
		return node;
	});
}

function firstModel(chat: Json): string | null {
	return Array.isArray(chat.models) ? str(chat.models[0]) : null;
}
