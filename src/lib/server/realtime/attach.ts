import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { App } from '../app.ts';
import type { RealtimeServer } from './bus.ts';
import { createSocketLimiter, registerHandlers } from './dispatch.ts';
import type { EventHandlers } from './define.ts';
import { handshakeMiddleware } from './handshake.ts';
import { systemHandlers } from './handlers/system.ts';

const handlers: EventHandlers = { ...systemHandlers };

/**
 * Attaches Socket.IO to an HTTP server: the production server and Vite's dev server both call this.
 * Imports nothing from `$app/*`, so it runs outside SvelteKit.
 */
export function attachRealtime(httpServer: HttpServer, app: App): RealtimeServer {
	const io: RealtimeServer = new Server(httpServer, {
		serveClient: false,
		maxHttpBufferSize: app.config.SOCKET_MAX_PAYLOAD_BYTES,
		pingInterval: 20_000,
		pingTimeout: 20_000
	});
	const limiter = createSocketLimiter(
		app.config.SOCKET_EVENTS_PER_SECOND,
		app.config.SOCKET_EVENT_BURST
	);

	const authenticate = handshakeMiddleware(app);
	io.use((socket, next) => void authenticate(socket, next));
	io.on('connection', (socket) => {
		registerHandlers(app, socket, handlers, limiter);
	});
	app.bus.attach(io);
	return io;
}
