import type { Outbox } from '#lib/client/channels/outbox.ts';
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

/** Resolves once an outbox has nothing left to send; rejects when the server refused an item. */
export function drained(outbox: Outbox): Promise<void> {
	return new Promise((resolve, reject) => {
		const check = setInterval(() => {
			const failed = outbox.items.find((i) => i.status === 'failed');
			if (failed) reject(new Error(`refused: ${failed.error?.code} ${failed.error?.message}`));
			else if (outbox.items.length === 0) resolve();
			else return;
			clearInterval(check);
		}, 20);
	});
}
