/**
 * A load-generator process: opens `count` idle Socket.IO connections (websocket transport only)
 * to `url`, at most `concurrency` handshakes in flight, reports once over IPC, then holds them until
 * the orchestrator says `close`. Lives in its own process so client memory never shows up in the
 * server's figures.
 *
 * Usage (spawned by bench/connections.ts): node bench/lib/clients.ts <url> <count> <concurrency>
 * with BENCH_TOKEN in the environment to send `auth: { token }`.
 */
import type { Socket } from 'socket.io-client';
import { openSockets } from './connect.ts';
import type { WorkerReply, WorkerRequest } from './ipc.ts';

const [url, countArg, concurrencyArg] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
if (!url || !(count >= 0) || !(concurrency >= 1)) {
	throw new Error('usage: node bench/lib/clients.ts <url> <count> <concurrency>');
}
if (!process.send) throw new Error('this script must be spawned with an IPC channel');
const token = process.env.BENCH_TOKEN;

function send(message: WorkerReply): void {
	process.send?.(message);
}

const held: { sockets: Socket[] } = { sockets: [] };

process.on('message', (message: WorkerRequest) => {
	if (message.type !== 'close') return;
	for (const socket of held.sockets) socket.disconnect();
	// Let the close frames go out before the process ends.
	setTimeout(() => {
		send({ type: 'closed' });
		process.exit(0);
	}, 300);
});
process.on('disconnect', () => process.exit(0));

const { sockets, failed, firstError, ms } = await openSockets(url, count, concurrency, () => ({
	auth: token ? { token } : {}
}));
held.sockets = sockets;
send({
	type: 'connected',
	connected: sockets.filter((socket) => socket.connected).length,
	failed,
	firstError,
	ms
});
