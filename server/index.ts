/**
 * Parley's production entry: one HTTP server for SvelteKit's pages and API (the adapter-node build)
 * and Socket.IO. Run with `npm start` after `npm run build`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { bootParley } from '#lib/server/boot.ts';

const MAX_BODY_BYTES = 1024 * 1024;
process.env.BODY_SIZE_LIMIT ??= String(MAX_BODY_BYTES);
// Without ORIGIN, adapter-node assumes https. This server knows the real scheme of each connection,
// so it tells the adapter through a header that it always overwrites (clients cannot spoof it).
const PROTOCOL_HEADER = 'x-parley-protocol';
if (!process.env.ORIGIN) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;

type Handler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

function notFound(res: ServerResponse): void {
	res.writeHead(404, { 'content-type': 'application/json' });
	res.end(JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } }));
}

/** SvelteKit's handler, loaded once the App is up. */
const kit: { handler?: Handler } = {};
const server = http.createServer((req, res) => {
	if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
		res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
		res.end(
			JSON.stringify({
				error: { code: 'payload_too_large', message: 'The request body is over 1 MB.' }
			})
		);
		return;
	}
	req.headers[PROTOCOL_HEADER] =
		'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
	// SvelteKit refuses a body-less DELETE (or POST, PUT, PATCH) without an Origin as a cross-site
	// form submission, which would lock bots out of e.g. `DELETE /api/v1/messages/:id`. A request
	// with a bearer token cannot be forged by another site: browsers never add that header on their
	// own, and with it the token, never the cookie, authenticates the request. So it counts as
	// same-origin.
	if (!req.headers.origin && /^Bearer\s/i.test(req.headers.authorization ?? '')) {
		req.headers.origin = process.env.ORIGIN
			? new URL(process.env.ORIGIN).origin
			: `${req.headers[PROTOCOL_HEADER]}://${req.headers.host}`;
	}
	if (kit.handler) kit.handler(req, res, () => notFound(res));
	else notFound(res);
});

// Boot first (migrations, services, Socket.IO), then load SvelteKit, whose init hook reuses the App.
const parley = await bootParley(server);
kit.handler = (
	(await import(new URL('../build/handler.js', import.meta.url).href)) as { handler: Handler }
).handler;
const { config, log } = parley.app;

server.listen(config.PORT, config.HOST, () => {
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : config.PORT;
	log.info({ host: config.HOST, port }, 'listening');
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
	if (stopping) return;
	stopping = true;
	log.info({ signal }, 'shutting down');
	const force = setTimeout(() => {
		log.error('shutdown took too long; exiting');
		process.exit(1);
	}, config.SHUTDOWN_TIMEOUT_MS);
	force.unref();
	// Stop accepting, close sockets, let in-flight requests finish, then close the database.
	const closed = new Promise<void>((resolve) => server.close(() => resolve()));
	server.closeIdleConnections();
	await parley.closeSockets();
	const grace = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS / 2);
	await closed;
	clearTimeout(grace);
	await parley.close();
	log.info('stopped');
	process.exit(0);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
	process.on(signal, () => void shutdown(signal));
}
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
