/**
 * Runs the production server (server/index.ts, which loads build/handler.js) in this process, plus
 * the bench's IPC hook, so the app itself gets no debug endpoint. Spawned by the bench
 * orchestrators with `--expose-gc`, an IPC channel and the usual env (PORT, HOST, DATA_DIR,
 * LOG_LEVEL and any limits). server/index.ts handles SIGTERM.
 *
 * The app logs its own `listening` line at info level only; this wrapper prints one too, so the
 * orchestrator finds the port at any LOG_LEVEL (with info it sees two; the first wins).
 */
import type { AddressInfo } from 'node:net';
import type { App } from '#lib/server/app.ts';
import { installServerHook } from './server-hook.ts';

// The app keeps its one App on globalThis (see src/lib/server/app.ts); read the Socket.IO server
// from there to count connections.
const holder = globalThis as { [key: symbol]: Promise<App> | undefined };
const found: { io?: App['bus']['io'] } = {};
installServerHook(() => found.io?.engine.clientsCount ?? -1);

await import('../../server/index.ts');
found.io = (await holder[Symbol.for('parley.app')])?.bus.io;
const httpServer = found.io?.httpServer;
if (!httpServer) throw new Error('the app attached no Socket.IO server');
const announce = () => {
	const { port } = httpServer.address() as AddressInfo;
	console.log(JSON.stringify({ msg: 'listening', port }));
};
if (httpServer.listening) announce();
else httpServer.once('listening', announce);
