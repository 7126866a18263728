/**
 * The one event contract between browser and server, used as Socket.IO generics on both sides.
 * Client→server events are declared with their payload schema (the server validates against it)
 * and their acknowledgement type; server→client events are plain signatures.
 * Documented for bots in docs/protocol.md.
 */
import * as v from 'valibot';
import type { Ack } from './errors.ts';
import type { PublicUser } from './types.ts';

/**
 * Declares a client→server event: `accepts(schema).returns<Ack data>()`. The server validates every
 * payload against the schema; the ack type flows to the client's `emit()`.
 */
function accepts<S extends v.GenericSchema>(input: S) {
	return { returns: <Out>() => ({ input, output: undefined as unknown as Out }) };
}

export const clientEvents = {
	/** Round-trip check; the client uses it to measure latency. */
	ping: accepts(v.object({ nonce: v.pipe(v.string(), v.maxLength(64)) })).returns<{
		nonce: string;
		serverTime: number;
	}>()
};

export type ClientEventName = keyof typeof clientEvents;
export type ClientEventInput<E extends ClientEventName> = v.InferInput<
	(typeof clientEvents)[E]['input']
>;
export type ClientEventOutput<E extends ClientEventName> = (typeof clientEvents)[E]['output'];

export type ClientToServerEvents = {
	[E in ClientEventName]: (
		payload: ClientEventInput<E>,
		ack: (result: Ack<ClientEventOutput<E>>) => void
	) => void;
};

/** Why the server ended a socket's session. */
export type SessionEndReason = 'logged_out' | 'password_changed' | 'deactivated' | 'revoked';

export interface ServerToClientEvents {
	/** The signed-in user's own profile or role changed (any tab, any device). */
	'user:updated': (user: PublicUser) => void;
	/** Sent just before the server disconnects a socket whose session ended. */
	'session:ended': (event: { reason: SessionEndReason }) => void;
}

/** Per-socket data the server keeps after the handshake. */
export interface SocketData {
	userId: string;
	/** The browser session the socket signed in with, or null for an API token. */
	sessionId: string | null;
	/** The API token the socket signed in with, or null for a browser session. */
	tokenId: string | null;
}

/** Room names, in one place so server code never spells them by hand. */
export const rooms = {
	user: (id: string) => `user:${id}`,
	session: (id: string) => `session:${id}`,
	admin: 'admin'
} as const;
