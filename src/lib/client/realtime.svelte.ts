import { io, type Socket } from 'socket.io-client';
import type {
	ClientEventInput,
	ClientEventName,
	ClientEventOutput,
	ClientToServerEvents,
	ServerToClientEvents
} from '#lib/shared/events.ts';
import type { Ack } from '#lib/shared/errors.ts';
import type { Transport } from './channels/transport.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

type Listener<E extends keyof ServerToClientEvents> = ServerToClientEvents[E];

const ACK_TIMEOUT_MS = 15_000;
/**
 * Refusals that pass by themselves (the database restarting, a fault on the server). Socket.IO
 * never retries a handshake its server refused, so the client does, backing off up to a cap.
 */
const TRANSIENT_REFUSALS = new Set(['unavailable', 'internal']);
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 15_000;

/**
 * The tab's one Socket.IO connection, with its state as runes. Create one per tab (in the app
 * layout) and share it through context; `on()` returns an unsubscribe for `$effect` cleanups.
 */
export class RealtimeClient implements Transport {
	#socket: Socket<ServerToClientEvents, ClientToServerEvents>;
	#state = $state<ConnectionState>('connecting');
	#lastError = $state<string | null>(null);
	// Not reactive state: a plain registry of callbacks.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#connectedHandlers = new Set<() => void>();
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#disconnectedHandlers = new Set<() => void>();
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	#retryMs = RETRY_FIRST_MS;

	constructor(url?: string) {
		this.#socket = io(url ?? '', { transports: ['websocket'], withCredentials: true });
		this.#socket.on('connect', () => {
			this.#state = 'connected';
			this.#lastError = null;
			this.#retryMs = RETRY_FIRST_MS;
			for (const handler of this.#connectedHandlers) handler();
		});
		this.#socket.on('disconnect', (reason) => {
			// The server ended the session: do not reconnect on our own.
			this.#state = reason === 'io server disconnect' ? 'offline' : 'reconnecting';
			for (const handler of this.#disconnectedHandlers) handler();
		});
		this.#socket.on('connect_error', (error) => {
			this.#lastError = error.message;
			const code = (error as { data?: { code?: string } }).data?.code;
			if (!this.#socket.active && code && TRANSIENT_REFUSALS.has(code)) this.#retryLater();
			this.#state = this.#socket.active || this.#retryTimer ? 'reconnecting' : 'offline';
		});
		if (typeof window !== 'undefined') {
			window.addEventListener('offline', this.#onOffline);
			window.addEventListener('online', this.#onOnline);
		}
	}

	/** connecting, connected, reconnecting (will retry) or offline (stopped or no network). */
	get state(): ConnectionState {
		return this.#state;
	}

	get connected(): boolean {
		return this.#socket.connected;
	}

	/** The server's reason for the last refused connection, if any. */
	get lastError(): string | null {
		return this.#lastError;
	}

	/** Subscribes to a server event; returns the unsubscribe. */
	on<E extends keyof ServerToClientEvents>(event: E, listener: Listener<E>): () => void {
		// Socket.IO's typed `on` cannot relate a generic key to its listener, hence the casts.
		this.#socket.on(event, listener as never);
		return () => {
			this.#socket.off(event, listener as never);
		};
	}

	/** Runs `handler` on every (re)connect, e.g. to catch up; returns the unsubscribe. */
	onConnected(handler: () => void): () => void {
		this.#connectedHandlers.add(handler);
		return () => this.#connectedHandlers.delete(handler);
	}

	/** Runs `handler` whenever the connection drops; returns the unsubscribe. */
	onDisconnected(handler: () => void): () => void {
		this.#disconnectedHandlers.add(handler);
		return () => this.#disconnectedHandlers.delete(handler);
	}

	/** Sends an event and resolves with its acknowledgement (a timeout becomes an error ack). */
	async emit<E extends ClientEventName>(
		event: E,
		payload: ClientEventInput<E>
	): Promise<Ack<ClientEventOutput<E>>> {
		try {
			const emitter = this.#socket.timeout(ACK_TIMEOUT_MS) as unknown as {
				emitWithAck(event: E, payload: ClientEventInput<E>): Promise<Ack<ClientEventOutput<E>>>;
			};
			return await emitter.emitWithAck(event, payload);
		} catch {
			return {
				ok: false,
				error: { code: 'internal', message: 'The server did not answer in time.' }
			};
		}
	}

	destroy(): void {
		if (typeof window !== 'undefined') {
			window.removeEventListener('offline', this.#onOffline);
			window.removeEventListener('online', this.#onOnline);
		}
		clearTimeout(this.#retryTimer);
		this.#connectedHandlers.clear();
		this.#disconnectedHandlers.clear();
		this.#socket.disconnect();
	}

	#retryLater(): void {
		clearTimeout(this.#retryTimer);
		const delay = this.#retryMs * (0.5 + Math.random() / 2);
		this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = undefined;
			if (!this.#socket.active) this.#socket.connect();
		}, delay);
	}

	#onOffline = () => {
		this.#state = 'offline';
	};

	#onOnline = () => {
		if (this.#socket.connected) return;
		this.#state = 'reconnecting';
		// An active socket is already reconnecting: a second connect() would send a second CONNECT
		// packet for the same socket, which can leave it disconnected for good.
		if (!this.#socket.active) this.#socket.connect();
	};
}
