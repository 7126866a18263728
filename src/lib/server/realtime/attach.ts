import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { App } from '../app.ts';
import type { RealtimeServer } from './bus.ts';
import { registerHandlers } from './dispatch.ts';
import { createRateLimiter } from '../rate-limit.ts';
import type { AppSocket, EventHandlers } from './define.ts';
import { addressKey, clientAddress } from './client-address.ts';
import { ConnectionLimits } from './connection-limits.ts';
import { handshakeMiddleware } from './handshake.ts';
import { channelHandlers } from './handlers/channels.ts';
import { chatHandlers } from './handlers/chats.ts';
import { messageHandlers } from './handlers/messages.ts';
import { noteHandlers, noteSyncEvents } from './handlers/notes.ts';
import { presenceHandlers } from './handlers/presence.ts';
import { systemHandlers } from './handlers/system.ts';
import { usageHandlers } from './handlers/usage.ts';

const handlers: EventHandlers = {
	...systemHandlers,
	...channelHandlers,
	...messageHandlers,
	...presenceHandlers,
	...chatHandlers,
	...noteHandlers,
	...usageHandlers
};

/**
 * Attaches Socket.IO to an HTTP server: the production server and Vite's dev server both call this.
 * Imports nothing from `$app/*`, so it runs outside SvelteKit.
 */
export function attachRealtime(httpServer: HttpServer, app: App): RealtimeServer {
	const { config } = app;
	const limits = new ConnectionLimits(
		{
			perAddress: config.SOCKET_CONNECTIONS_PER_IP,
			perUser: config.SOCKET_CONNECTIONS_PER_USER
		},
		(headers, peer) => addressKey(clientAddress(headers, peer, config)),
		(details, message) => app.log.warn(details, message)
	);
	const io: RealtimeServer = new Server(httpServer, {
		serveClient: false,
		// WebSocket only (docs/protocol.md, "Transports"): a same-origin long-polling request carries
		// no Origin, so it cannot be told from a cross-site script include, and JSONP goes with it.
		// Polling requests are answered 400 "Transport unknown" by Engine.IO.
		transports: ['websocket'],
		allowRequest: (req, callback) => limits.allowRequest(req, callback),
		connectTimeout: config.SOCKET_CONNECT_TIMEOUT_MS,
		maxHttpBufferSize: config.SOCKET_MAX_PAYLOAD_BYTES,
		pingInterval: 20_000,
		pingTimeout: 20_000
	});
	io.engine.on('connection', (conn: AppSocket['conn']) => limits.track(conn));
	const limiter = createRateLimiter(
		'socket',
		config.SOCKET_EVENTS_PER_SECOND,
		config.SOCKET_EVENT_BURST
	);
	const noteLimiter = createRateLimiter(
		'note-sync',
		config.NOTE_SYNC_EVENTS_PER_SECOND,
		config.NOTE_SYNC_EVENT_BURST
	);
	const limiterFor = (event: string) => (noteSyncEvents.has(event) ? noteLimiter : limiter);

	// One shared pair of listeners for every socket: a closure per socket costs memory at 10k.
	const countIn = () => app.live.countIn();
	const countOut = () => app.live.countOut();

	const authenticate = handshakeMiddleware(app, limits);
	io.use((socket, next) => void authenticate(socket, next));
	io.on('connection', (socket) => {
		// Counted for the admins' live panel: every event in, and every event sent to this socket.
		socket.onAny(countIn);
		socket.onAnyOutgoing(countOut);
		registerHandlers(app, socket, handlers, limiterFor);
		app.presence.connect(socket.data.userId, socket.id);
		socket.on('disconnect', () => {
			limits.release(socket.data.userId, socket.id);
			app.presence.disconnect(socket.data.userId, socket.id);
			app.noteDocuments.disconnect(socket.id);
			app.live.unwatch(socket.id);
		});
	});
	app.bus.attach(io);
	app.live.start();
	return io;
}
