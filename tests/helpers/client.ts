import { createHash } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '#lib/shared/events.ts';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let counter = 0;
/** A unique email for each test user. */
export function uniqueEmail(name = 'user'): string {
	counter += 1;
	return `${name}.${process.pid}.${Date.now()}.${counter}@example.test`;
}

/**
 * A browser-like HTTP client with a cookie jar: submits the app's forms the way a browser without
 * JavaScript would (same Origin, form-encoded, redirects not followed) and calls the JSON API.
 */
export class HttpClient {
	readonly baseUrl: string;
	/** The Origin a browser on this app would send: the server's URL, or its public ORIGIN. */
	readonly origin: string;
	cookies = new Map<string, string>();
	/** The raw Set-Cookie headers of the last response. */
	lastSetCookie: string[] = [];

	constructor(baseUrl: string, options: { origin?: string } = {}) {
		this.baseUrl = baseUrl;
		this.origin = options.origin ?? baseUrl;
	}

	get sessionToken(): string | undefined {
		return this.cookies.get('parley_session');
	}

	/** The session cookie's token; throws when there is none. */
	requireSessionToken(): string {
		const token = this.sessionToken;
		if (!token) throw new Error('this client has no session cookie');
		return token;
	}

	get cookieHeader(): string {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	async request(path: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		if (this.cookies.size && !headers.has('cookie') && !headers.has('authorization')) {
			headers.set('cookie', this.cookieHeader);
		}
		const response = await fetch(this.baseUrl + path, { ...init, headers, redirect: 'manual' });
		this.lastSetCookie = response.headers.getSetCookie();
		for (const line of this.lastSetCookie) {
			const [pair, ...attributes] = line.split(';');
			const [name, ...rest] = pair.split('=');
			const value = rest.join('=');
			const expired = attributes.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim()));
			if (!value || expired) this.cookies.delete(name.trim());
			else this.cookies.set(name.trim(), value);
		}
		return response;
	}

	/** Posts a form like a browser (Origin header set, application/x-www-form-urlencoded). */
	submit(path: string, fields: Record<string, string>): Promise<Response> {
		return this.request(path, {
			method: 'POST',
			headers: {
				origin: this.origin,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: new URLSearchParams(fields).toString()
		});
	}

	/**
	 * Calls the JSON API. Like a browser's fetch, a non-GET request carries this app's Origin; with
	 * `token` it is sent like a script would: `Authorization: Bearer`, no Origin, no cookies.
	 */
	async json<T = Record<string, unknown>>(
		path: string,
		init: { method?: string; body?: unknown; token?: string } = {}
	): Promise<{ status: number; body: T }> {
		const method = init.method ?? 'GET';
		const headers: Record<string, string> = { accept: 'application/json' };
		if (init.body !== undefined) headers['content-type'] = 'application/json';
		if (init.token) {
			headers.authorization = `Bearer ${init.token}`;
		} else if (method !== 'GET' && method !== 'HEAD') {
			headers.origin = this.origin;
		}
		const response = await this.request(path, {
			method,
			headers,
			body: init.body === undefined ? undefined : JSON.stringify(init.body)
		});
		const text = await response.text();
		return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
	}

	async signUp(fields: { email?: string; displayName?: string; password?: string } = {}) {
		const email = fields.email ?? uniqueEmail();
		const password = fields.password ?? 'correct horse battery';
		const response = await this.submit('/signup', {
			email,
			displayName: fields.displayName ?? 'Test User',
			password
		});
		return { response, email, password };
	}

	logIn(email: string, password: string): Promise<Response> {
		return this.submit('/login', { email, password });
	}

	logOut(): Promise<Response> {
		return this.submit('/logout', {});
	}

	/**
	 * Opens a Socket.IO connection with this client's cookies, sending this app's Origin as a browser
	 * would, or with an API token and no Origin, as a script would. `origin` overrides that (`null`
	 * sends none).
	 */
	socket(
		options: { token?: string; origin?: string | null; autoConnect?: boolean } = {}
	): TestSocket {
		const extraHeaders: Record<string, string> = {};
		if (!options.token && this.cookies.size) extraHeaders.cookie = this.cookieHeader;
		const origin =
			options.origin === undefined ? (options.token ? null : this.origin) : options.origin;
		if (origin) extraHeaders.origin = origin;
		return io(this.baseUrl, {
			transports: ['websocket'],
			reconnection: false,
			forceNew: true,
			autoConnect: options.autoConnect ?? true,
			extraHeaders,
			auth: options.token ? { token: options.token } : {}
		});
	}
}

/** The Session row id for a cookie token: its SHA-256 in hex, as the server stores it. */
export function sessionId(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** Resolves when the socket connects, rejects with the server's reason when it is refused. */
export function connected(socket: TestSocket): Promise<void> {
	return new Promise((resolve, reject) => {
		if (socket.connected) return resolve();
		socket.once('connect', () => resolve());
		socket.once('connect_error', (error) => reject(error));
	});
}

/** Resolves with the next occurrence of a server event. */
export function nextEvent<E extends keyof ServerToClientEvents>(
	socket: TestSocket,
	event: E,
	timeoutMs = 5000
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`no ${event} within ${timeoutMs} ms`)),
			timeoutMs
		);
		socket.once(
			event as never,
			((payload: Parameters<ServerToClientEvents[E]>[0]) => {
				clearTimeout(timer);
				resolve(payload);
			}) as never
		);
	});
}

/** Resolves when the socket disconnects, with the reason. */
export function disconnected(socket: TestSocket, timeoutMs = 5000): Promise<string> {
	return new Promise((resolve, reject) => {
		if (socket.disconnected && !socket.active) return resolve('already disconnected');
		const timer = setTimeout(() => reject(new Error('socket stayed connected')), timeoutMs);
		socket.once('disconnect', (reason) => {
			clearTimeout(timer);
			resolve(reason);
		});
	});
}

/** Resolves with the error of a refused connection; rejects if the socket connects instead. */
export function connectError(socket: TestSocket): Promise<Error & { data?: { code?: string } }> {
	return new Promise((resolve, reject) => {
		socket.once('connect', () => reject(new Error('the socket connected')));
		socket.once('connect_error', (error) => resolve(error));
	});
}

/** Opens a socket (cookie or token) and waits until the server has accepted it. */
export async function openSocket(
	client: HttpClient,
	options: { token?: string; origin?: string | null } = {}
): Promise<TestSocket> {
	const socket = client.socket(options);
	await connected(socket);
	return socket;
}

/**
 * Emits an event with any arguments (valid or not, bypassing the typed contract) and resolves with
 * the acknowledgement; rejects when none arrives in time.
 */
export function emitWithAck(
	socket: TestSocket,
	event: string,
	...args: unknown[]
): Promise<Record<string, unknown>> {
	return (socket as unknown as Socket).timeout(5000).emitWithAck(event, ...args);
}

/** Sends `ping` with any payload and resolves with the acknowledgement. */
export function ping(socket: TestSocket, payload: unknown): Promise<Record<string, unknown>> {
	return emitWithAck(socket, 'ping', payload);
}

/** A signed-up account (the first one of a server is its admin), as the kit's `account()` gives it. */
export interface Account {
	http: HttpClient;
	id: string;
	name: string;
	email: string;
	password: string;
}

/** The same signed-in browser session, on another (or a restarted) server. */
export function sameSession(http: HttpClient, baseUrl: string): HttpClient {
	const moved = new HttpClient(baseUrl);
	moved.cookies = new Map(http.cookies);
	return moved;
}

/** A client signed up as a new account (the first one of a server is its admin). */
export async function newUser(
	baseUrl: string,
	fields: { email?: string; displayName?: string; password?: string } = {}
) {
	const client = new HttpClient(baseUrl);
	const { response, email, password } = await client.signUp(fields);
	if (response.status !== 303) throw new Error(`sign-up failed with ${response.status}`);
	const me = await client.json<{ user: { id: string } }>('/api/v1/me');
	return { client, email, password, id: me.body.user.id };
}

/** The attributes of a Set-Cookie line, keyed in lower case (flags map to `true`). */
export function cookieAttributes(line: string): Record<string, string | true> {
	const [, ...parts] = line.split(';');
	return Object.fromEntries(
		parts.map((part) => {
			const [key, ...value] = part.trim().split('=');
			return [key.toLowerCase(), value.length ? value.join('=') : true];
		})
	);
}
