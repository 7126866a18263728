/**
 * A fake Open WebUI server for tests and benchmarks, faithful to ../shared/open-webui-api.md:
 * exact paths with trailing slashes, fixed page sizes (users 30, chat list 60, files 50, knowledge
 * 30, feedback 30), the JSON shapes, FastAPI's `{"detail": …}` errors, the web app's HTML page with
 * status 200 for unknown routes, 401 for an unknown chat id, a plain-text 500 for a bad `order_by`,
 * and gzip for bodies over 500 bytes. Data and faults are controlled by the test; every request is
 * recorded with its route so tests can count what a sync fetched.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { chatResponse, classify, ordered, send, slice, type Route } from './open-webui-routes.ts';
import type {
	FakeChat,
	FakeFeedback,
	FakeFile,
	FakeKnowledge,
	FakeModel,
	FakeUser
} from './open-webui-types.ts';

export type { Route } from './open-webui-routes.ts';

export interface RecordedRequest {
	route: Route;
	path: string;
	query: URLSearchParams;
	status: number;
	/** Whether the answer went out gzip-compressed. */
	gzipped: boolean;
	/** When it arrived (performance.now() of the fake's process). */
	at: number;
}

/** A fault injected on matching requests, `times` times (default: always). */
export interface Fault {
	route?: Route;
	/** Matches the path (without the query). */
	path?: RegExp;
	times?: number;
	/** Only every `every`-th matching request (a trickle: 10 is 1 in 10); the others pass. */
	every?: number;
	/** Answer with this status and `{"detail": …}` (429 gets `Retry-After: 0` unless `retryAfter`). */
	status?: number;
	/** The Retry-After header of a `status` answer: seconds or an HTTP-date; null for none. */
	retryAfter?: string | null;
	/** Answer 200 with the web app's HTML page. */
	html?: boolean;
	/** Answer 200 `application/json` with this raw text (e.g. malformed JSON). */
	raw?: string;
	/** Wait this long before answering. */
	delayMs?: number;
	/** Close the connection without an answer. */
	drop?: boolean;
	/** Never answer. */
	hang?: boolean;
	/** Answer once this settles (see `hold`). */
	until?: Promise<void>;
	/** With `status`: quote the Authorization header received in the detail (a leaky proxy). */
	echo?: boolean;
	/** Answer `text/plain` with this body (an internal service's page), with `status` or 200. */
	text?: string;
}

export interface FakeData {
	users: Map<string, FakeUser>;
	chats: ChatStore;
	models: FakeModel[];
	knowledge: Map<string, FakeKnowledge>;
	files: Map<string, FakeFile>;
	feedback: Map<string, FakeFeedback>;
}

export interface FakeOptions {
	port?: number;
	adminKey?: string;
	/** A non-admin's key with the api_keys permission: works, but admin routes refuse it (401). */
	userKey?: string;
	/** A non-admin's key without that permission: 403 everywhere. */
	restrictedKey?: string;
	version?: string;
	/** `/api/v1/files/` as before March 2026: one unpaged list. */
	legacyFiles?: boolean;
	data?: FakeData;
}

export const PAGE = {
	users: 30,
	chats: 60,
	files: 50,
	knowledge: 30,
	feedback: 30,
	workspaceModels: 30
} as const;

const SPA = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Open WebUI</title></head><body><div id="app"></div>${'<script>/* app */</script>'.repeat(20)}</body></html>`;
const PROHIBITED =
	'You do not have permission to access this resource. Please contact your administrator for assistance.';

/**
 * The chats, indexed by owner as well (a listing per user must not scan every chat: the benchmark
 * lists 1,000 users' chats out of 20,000). Keep `user_id` fixed once a chat is added.
 */
export class ChatStore extends Map<string, FakeChat> {
	readonly #byUser = new Map<string, Set<string>>();

	override set(id: string, chat: FakeChat): this {
		const old = super.get(id);
		if (old) this.#byUser.get(old.user_id)?.delete(id);
		super.set(id, chat);
		let ids = this.#byUser.get(chat.user_id);
		if (!ids) this.#byUser.set(chat.user_id, (ids = new Set()));
		ids.add(id);
		return this;
	}

	override delete(id: string): boolean {
		const old = super.get(id);
		if (old) this.#byUser.get(old.user_id)?.delete(id);
		return super.delete(id);
	}

	override clear(): void {
		this.#byUser.clear();
		super.clear();
	}

	ofUser(userId: string): FakeChat[] {
		return [...(this.#byUser.get(userId) ?? [])].map((id) => super.get(id) as FakeChat);
	}
}

export function emptyData(): FakeData {
	return {
		users: new Map(),
		chats: new ChatStore(),
		models: [],
		knowledge: new Map(),
		files: new Map(),
		feedback: new Map()
	};
}

export class FakeOpenWebUI {
	readonly options: Required<Omit<FakeOptions, 'port' | 'data'>>;
	readonly data: FakeData;
	readonly requests: RecordedRequest[] = [];
	/** Called for every request before it is answered (e.g. to kill a client mid-run). */
	onRequest?: (request: RecordedRequest) => void;
	faults: Fault[] = [];
	/**
	 * Model connections (`owned_by` values) that have not answered: `/api/models` leaves out their
	 * models and the presets built on them, and with every connection down it lists nothing at all,
	 * presets included (as Open WebUI does right after a restart). `'all'` for every connection.
	 */
	connectionsDown: Set<string> | 'all' = new Set();
	/**
	 * Ties in `order_by` come back in a different order on every request, as on an instance backed
	 * by PostgreSQL (Open WebUI adds no tie-breaker to the user list).
	 */
	unstableTies = false;
	/** Matching requests seen per trickle fault. */
	#trickle = new WeakMap<Fault, number>();
	#server: http.Server;
	#sockets = new Set<Socket>();
	#port = 0;

	private constructor(options: FakeOptions) {
		this.options = {
			adminKey: options.adminKey ?? 'sk-admin-0123456789',
			userKey: options.userKey ?? 'sk-user-0123456789',
			restrictedKey: options.restrictedKey ?? 'sk-restricted-0123456789',
			version: options.version ?? '0.11.0',
			legacyFiles: options.legacyFiles ?? false
		};
		this.data = options.data ?? emptyData();
		this.#server = this.#createServer();
	}

	static async start(options: FakeOptions = {}): Promise<FakeOpenWebUI> {
		const fake = new FakeOpenWebUI(options);
		await fake.#listen(options.port ?? 0);
		return fake;
	}

	get url(): string {
		return `http://127.0.0.1:${this.#port}`;
	}

	/** Requests per route since the last reset. */
	counts(): Partial<Record<Route, number>> {
		const counts: Partial<Record<Route, number>> = {};
		for (const r of this.requests) counts[r.route] = (counts[r.route] ?? 0) + 1;
		return counts;
	}

	count(route: Route): number {
		return this.requests.filter((r) => r.route === route).length;
	}

	resetRequests(): void {
		this.requests.length = 0;
	}

	fault(fault: Fault): void {
		this.faults.push({ ...fault });
	}

	/**
	 * Holds every request of `route` (ahead of other faults) until the returned function is called,
	 * so a run stays in progress for as long as a test needs it to.
	 */
	hold(route: Route): () => void {
		let release = () => {};
		const gate: Fault = { route, until: new Promise<void>((resolve) => (release = resolve)) };
		this.faults.unshift(gate);
		return () => {
			this.faults = this.faults.filter((f) => f !== gate);
			release();
		};
	}

	/** Stops answering (connections refused) until `resume()`, like an instance that went away. */
	async suspend(): Promise<void> {
		for (const socket of this.#sockets) socket.destroy();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	async resume(): Promise<void> {
		this.#server = this.#createServer();
		await this.#listen(this.#port);
	}

	async close(): Promise<void> {
		if (!this.#server.listening) return;
		await this.suspend();
	}

	async #listen(port: number): Promise<void> {
		await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
		this.#port = (this.#server.address() as AddressInfo).port;
	}

	#createServer(): http.Server {
		const server = http.createServer((req, res) => {
			void this.#handle(req, res).catch(() => res.destroy());
		});
		server.keepAliveTimeout = 5000;
		server.on('connection', (socket) => {
			this.#sockets.add(socket);
			socket.on('close', () => this.#sockets.delete(socket));
		});
		return server;
	}

	async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://fake');
		const { route, id } = classify(url.pathname);
		const record: RecordedRequest = {
			route,
			path: url.pathname,
			query: url.searchParams,
			status: 0,
			gzipped: false,
			at: performance.now()
		};
		this.requests.push(record);
		this.onRequest?.(record);
		const fault = this.#takeFault(route, url.pathname);
		if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
		if (fault?.until) await fault.until;
		if (fault?.hang) return;
		if (fault?.drop) return void req.socket.destroy();
		const answer = (
			status: number,
			body: unknown,
			type = 'application/json',
			headers: Record<string, string> = {}
		) => {
			record.status = status;
			record.gzipped = send(req, res, status, body, type, headers);
		};
		if (fault?.text !== undefined) return answer(fault.status ?? 200, fault.text, 'text/plain');
		if (fault?.status) {
			const echo = fault.echo ? `; you sent Authorization: ${req.headers.authorization ?? ''}` : '';
			const retryAfter =
				fault.retryAfter === undefined && fault.status === 429 ? '0' : fault.retryAfter;
			const headers: Record<string, string> = retryAfter ? { 'retry-after': retryAfter } : {};
			return answer(
				fault.status,
				{ detail: `Injected ${fault.status}${echo}` },
				undefined,
				headers
			);
		}
		if (fault?.html) return answer(200, SPA, 'text/html; charset=utf-8');
		if (fault?.raw !== undefined) return answer(200, fault.raw);
		if (req.method !== 'GET' || route === 'spa') {
			return answer(200, SPA, 'text/html; charset=utf-8');
		}
		if (route === 'version') return answer(200, { version: this.options.version });

		const who = this.#authenticate(req.headers.authorization);
		if (who === 'none') return answer(401, { detail: 'Not authenticated' });
		if (who === 'restricted') return answer(403, { detail: 'API key not allowed' });
		if (route === 'auths') return answer(200, this.#account(who));
		if (route === 'models') return answer(200, { data: this.#runtimeModels() });
		if (who !== 'admin') return answer(401, { detail: PROHIBITED });
		const { status, body, type } = this.#route(route, id, url.searchParams);
		answer(status, body, type);
	}

	/** `/api/models`: what the model connections that answered serve, and presets on them. */
	#runtimeModels(): FakeModel[] {
		const down = this.connectionsDown;
		if (down === 'all') return [];
		const served = (m: FakeModel) => !down.has(m.owned_by);
		const byId = new Map(this.data.models.map((m) => [m.id, m]));
		return this.data.models.filter((m) => {
			const base = m.info?.base_model_id ? byId.get(m.info.base_model_id) : undefined;
			return served(m) && (!base || served(base));
		});
	}

	#takeFault(route: Route, path: string): Fault | undefined {
		const fault = this.faults.find(
			(f) => (f.route === undefined || f.route === route) && (!f.path || f.path.test(path))
		);
		if (!fault) return undefined;
		if (fault.every !== undefined) {
			const seen = (this.#trickle.get(fault) ?? 0) + 1;
			this.#trickle.set(fault, seen);
			if (seen % fault.every !== 0) return undefined;
		}
		if (fault.times !== undefined && --fault.times <= 0) {
			this.faults = this.faults.filter((f) => f !== fault);
		}
		return fault;
	}

	#authenticate(header: string | undefined): 'admin' | 'user' | 'restricted' | 'none' {
		const key = header?.match(/^Bearer (.+)$/)?.[1];
		if (key === this.options.adminKey) return 'admin';
		if (key === this.options.userKey) return 'user';
		if (key === this.options.restrictedKey) return 'restricted';
		return 'none';
	}

	#account(who: 'admin' | 'user') {
		return who === 'admin'
			? {
					id: 'fake-admin',
					email: 'admin@owui.test',
					name: 'Owui Admin',
					role: 'admin',
					token_type: 'Bearer'
				}
			: {
					id: 'fake-user',
					email: 'user@owui.test',
					name: 'Owui User',
					role: 'user',
					token_type: 'Bearer'
				};
	}

	#route(
		route: Route,
		id: string,
		query: URLSearchParams
	): { status: number; body: unknown; type?: string } {
		const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
		const data = this.data;
		switch (route) {
			case 'users': {
				const users = ordered(
					[...data.users.values()],
					query,
					['created_at', 'updated_at', 'name', 'email', 'role', 'last_active_at'],
					this.unstableTies ? this.requests.length : undefined
				);
				if (!users) return { status: 500, body: 'Internal Server Error', type: 'text/plain' };
				return {
					status: 200,
					body: { users: slice(users, page, PAGE.users), total: users.length }
				};
			}
			case 'user': {
				const user = data.users.get(id);
				return user
					? { status: 200, body: user }
					: { status: 400, body: { detail: 'User not found' } };
			}
			case 'chat-list': {
				const mine = data.chats.ofUser(id);
				const chats = ordered(mine, query, ['updated_at', 'created_at', 'title']);
				if (!chats) return { status: 500, body: 'Internal Server Error', type: 'text/plain' };
				const items = slice(chats, page, PAGE.chats).map((c) => ({
					id: c.id,
					title: c.title,
					updated_at: c.updated_at,
					created_at: c.created_at,
					last_read_at: c.updated_at,
					snippet: null
				}));
				return { status: 200, body: items };
			}
			case 'chat': {
				const chat = data.chats.get(id);
				if (!chat) return { status: 401, body: { detail: PROHIBITED } };
				return { status: 200, body: chatResponse(chat) };
			}
			case 'workspace-models': {
				const all = this.data.models.flatMap((m) => (m.info?.base_model_id ? [m.info] : []));
				const items = slice(all, page, PAGE.workspaceModels).map((m) => ({
					...m,
					user: { id: m.user_id, name: data.users.get(m.user_id)?.name ?? null }
				}));
				return { status: 200, body: { items, total: all.length } };
			}
			case 'knowledge': {
				const all = [...data.knowledge.values()];
				return {
					status: 200,
					body: { items: slice(all, page, PAGE.knowledge), total: all.length }
				};
			}
			case 'files': {
				const all = [...data.files.values()];
				if (this.options.legacyFiles) return { status: 200, body: all };
				return { status: 200, body: { items: slice(all, page, PAGE.files), total: all.length } };
			}
			case 'feedback': {
				// The list hides feedback of users that no longer exist.
				const all = [...data.feedback.values()].filter((f) => data.users.has(f.user_id));
				const items = slice(all, page, PAGE.feedback).map((f) => ({
					...f,
					user: { id: f.user_id, name: data.users.get(f.user_id)?.name, role: 'user' }
				}));
				return { status: 200, body: { items, total: all.length } };
			}
			default:
				return { status: 200, body: SPA, type: 'text/html; charset=utf-8' };
		}
	}
}
