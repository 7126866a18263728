/**
 * The reference: a bare Socket.IO 4.8 server with default options, no auth, no app, no database.
 * Started by the bench orchestrators with the in-server probe (bench/lib/processes.ts
 * `startServer`), like the app.
 *
 * By default it has no handlers at all (bench/connections.ts measures idle connections). With
 * `--broadcast` (bench/channels.ts) a socket joins the room named in its handshake `auth.room`, and
 * on `send` the server does `io.to(room).emit('channel:change', payload)` and acknowledges:
 * the fan-out the app does after storing a message, without auth, validation or storage.
 */
import http from 'node:http';
import { Server } from 'socket.io';

const httpServer = http.createServer();
const io = new Server(httpServer);

if (process.argv.includes('--broadcast')) {
	io.use((socket, next) => {
		const room = (socket.handshake.auth as { room?: unknown }).room;
		if (typeof room === 'string') void socket.join(room);
		next();
	});
	io.on('connection', (socket) => {
		socket.on('send', (payload: { channelId: string }, ack: (result: { ok: true }) => void) => {
			io.to(`channel:${payload.channelId}`).emit('channel:change', payload);
			ack({ ok: true });
		});
	});
}

httpServer.listen(0, '127.0.0.1');
process.on('SIGTERM', () => {
	io.disconnectSockets(true);
	void io.close(() => process.exit(0));
});
