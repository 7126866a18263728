/**
 * The reference: a bare Socket.IO 4.8 server with default options, no auth, no app, no handlers.
 * Spawned by bench/connections.ts with `--expose-gc` and an IPC channel; prints the same
 * `{"msg":"listening","port":…}` line as the app so the orchestrator treats both alike.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { installServerHook } from './server-hook.ts';

const httpServer = http.createServer();
const io = new Server(httpServer);
installServerHook(() => io.engine.clientsCount);

httpServer.listen(0, '127.0.0.1', () => {
	const address = httpServer.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	console.log(JSON.stringify({ msg: 'listening', port }));
});
process.on('SIGTERM', () => {
	io.disconnectSockets(true);
	void io.close(() => process.exit(0));
});
