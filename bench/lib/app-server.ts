/**
 * Runs the production server (server/index.ts, which loads build/handler.js) in this process, plus
 * the bench's IPC memory hook, so the app itself gets no debug endpoint. Spawned by
 * bench/connections.ts with `--expose-gc`, an IPC channel and the usual env (PORT, HOST, DATA_DIR,
 * LOG_LEVEL). server/index.ts prints its own `listening` line and handles SIGTERM.
 */
import type { App } from '#lib/server/app.ts';
import { installServerHook } from './server-hook.ts';

// The app keeps its one App on globalThis (see src/lib/server/app.ts); read the Socket.IO server
// from there to count connections.
const holder = globalThis as { [key: symbol]: Promise<App> | undefined };
const found: { io?: App['bus']['io'] } = {};
installServerHook(() => found.io?.engine.clientsCount ?? -1);

await import('../../server/index.ts');
found.io = (await holder[Symbol.for('parley.app')])?.bus.io;
