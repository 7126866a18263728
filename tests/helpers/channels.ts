import type {
	ClientEventInput,
	ClientEventName,
	ClientEventOutput,
	ServerToClientEvents
} from '#lib/shared/events.ts';
import type { Ack } from '#lib/shared/errors.ts';
import { connected, newUser as signedUp, type Account, type TestSocket } from './client.ts';

/** Emits an event and resolves with its ack. */
export function call<E extends ClientEventName>(
	socket: TestSocket,
	event: E,
	payload: ClientEventInput<E>
): Promise<Ack<ClientEventOutput<E>>> {
	const emitter = socket.timeout(10_000) as unknown as {
		emitWithAck(event: E, payload: ClientEventInput<E>): Promise<Ack<ClientEventOutput<E>>>;
	};
	return emitter.emitWithAck(event, payload);
}

/** Emits an event and returns its data, failing the test on an error ack. */
export async function ok<E extends ClientEventName>(
	socket: TestSocket,
	event: E,
	payload: ClientEventInput<E>
): Promise<ClientEventOutput<E>> {
	const result = await call(socket, event, payload);
	if (!result.ok) throw new Error(`${event} failed: ${result.error.code} ${result.error.message}`);
	return result.data;
}

/** A signed-up account with a connected socket (what the kit's `user()` gives). */
export interface TestUser extends Account {
	socket: TestSocket;
}

/**
 * Signs a new user up (as `newUser` of client.ts does: the first one of a server is its admin) and
 * connects a socket for them.
 */
export async function newUser(
	baseUrl: string,
	name: string,
	fields: { email?: string; password?: string } = {}
): Promise<TestUser> {
	const { client, id, email, password } = await signedUp(baseUrl, { ...fields, displayName: name });
	const socket = client.socket();
	await connected(socket);
	return { http: client, socket, id, name, email, password };
}

/** Another socket (tab or device) for the same user. */
export async function anotherTab(user: TestUser): Promise<TestSocket> {
	const socket = user.http.socket();
	await connected(socket);
	return socket;
}

let clientCounter = 0;
export function clientId(): string {
	clientCounter += 1;
	return `client-${process.pid}-${Date.now()}-${clientCounter}`;
}

/** Limits high enough that bulk test traffic never trips the per-socket or per-sender limiters. */
export const RELAXED_LIMITS: Record<string, string> = {
	SOCKET_EVENTS_PER_SECOND: '10000',
	SOCKET_EVENT_BURST: '100000',
	CHANNEL_MESSAGES_PER_SECOND: '10000',
	CHANNEL_MESSAGE_BURST: '100000'
};

/**
 * Resolves once everything the server emitted to this socket so far has arrived: a round trip on
 * the same connection, which the server answers after anything it wrote earlier.
 */
export async function flush(socket: TestSocket): Promise<void> {
	await ok(socket, 'ping', { nonce: 'flush' });
}

type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** Records every occurrence of a server event on a socket until `stop()`. */
export function record<E extends keyof ServerToClientEvents>(
	socket: TestSocket,
	event: E
): { events: Payload<E>[]; stop(): void } {
	const events: Payload<E>[] = [];
	const listener = (payload: Payload<E>) => void events.push(payload);
	socket.on(event as never, listener as never);
	return { events, stop: () => void socket.off(event as never, listener as never) };
}

/** Resolves with the first occurrence of a server event that matches `predicate`. */
export function waitForEvent<E extends keyof ServerToClientEvents>(
	socket: TestSocket,
	event: E,
	predicate: (payload: Payload<E>) => boolean,
	timeoutMs = 5000
): Promise<Payload<E>> {
	return new Promise((resolve, reject) => {
		const listener = (payload: Payload<E>) => {
			if (!predicate(payload)) return;
			clearTimeout(timer);
			socket.off(event as never, listener as never);
			resolve(payload);
		};
		const timer = setTimeout(() => {
			socket.off(event as never, listener as never);
			reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
		}, timeoutMs);
		socket.on(event as never, listener as never);
	});
}

/**
 * Calls the JSON API as a user: with their session cookie like the browser app (whose fetch sends
 * an Origin with every request that changes something), or with `token` as a bearer API token.
 */
export async function rest<T = Record<string, unknown>>(
	user: TestUser,
	method: string,
	path: string,
	body?: unknown,
	token?: string
): Promise<{ status: number; body: T }> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (body !== undefined) headers['content-type'] = 'application/json';
	if (token) headers.authorization = `Bearer ${token}`;
	else if (method !== 'GET') headers.origin = user.http.baseUrl;
	const response = await user.http.request(`/api/v1${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await response.text();
	return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}
