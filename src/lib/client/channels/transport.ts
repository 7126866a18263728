import type {
	ClientEventInput,
	ClientEventName,
	ClientEventOutput,
	ServerToClientEvents
} from '#lib/shared/events.ts';
import type { Ack } from '#lib/shared/errors.ts';

/**
 * What channel state needs from a connection. The browser's RealtimeClient provides it, and so can
 * a test's socket.io-client wrapper, so the same catch-up logic runs in both.
 */
export interface Transport {
	emit<E extends ClientEventName>(
		event: E,
		payload: ClientEventInput<E>
	): Promise<Ack<ClientEventOutput<E>>>;
	on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): () => void;
	/** Runs on every (re)connect; returns the unsubscribe. */
	onConnected(handler: () => void): () => void;
	readonly connected: boolean;
}
