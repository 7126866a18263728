import type { ClientEventInput, ClientEventName, ClientEventOutput } from '#lib/shared/events.ts';
import type { Ack } from '#lib/shared/errors.ts';
import { connected, HttpClient, type TestSocket } from './client.ts';

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

export interface TestUser {
	http: HttpClient;
	socket: TestSocket;
	id: string;
	name: string;
}

/** Signs a new user up and connects a socket for them. */
export async function newUser(baseUrl: string, name: string): Promise<TestUser> {
	const http = new HttpClient(baseUrl);
	await http.signUp({ displayName: name });
	const me = await http.json<{ user: { id: string } }>('/api/v1/me');
	const socket = http.socket();
	await connected(socket);
	return { http, socket, id: me.body.user.id, name };
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
