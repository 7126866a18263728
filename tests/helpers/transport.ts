import type { Transport } from '#lib/client/channels/transport.ts';
import type { ServerToClientEvents } from '#lib/shared/events.ts';
import { call } from './channels.ts';
import type { TestSocket } from './client.ts';

/** Lets the browser's channel logic (Timeline, ChannelSync, Outbox) run over a test socket. */
export function socketTransport(socket: TestSocket): Transport {
	return {
		emit: (event, payload) =>
			call(socket, event, payload).catch(() => ({
				ok: false as const,
				error: { code: 'internal' as const, message: 'The server did not answer in time.' }
			})),
		on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]) {
			socket.on(event, listener as never);
			return () => void socket.off(event, listener as never);
		},
		onConnected(handler) {
			socket.on('connect', handler);
			return () => void socket.off('connect', handler);
		},
		get connected() {
			return socket.connected;
		}
	};
}
