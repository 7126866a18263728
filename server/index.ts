/**
 * Parley's production entry: one HTTP server for SvelteKit's pages and API (the adapter-node build)
 * and Socket.IO. Run with `npm start` after `npm run build`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { bootParley } from '#lib/server/boot.ts';
import { loadConfig } from '#lib/server/config.ts';
import { drainAtMost } from '#lib/server/http/drain.ts';
import { SECURITY_HEADERS } from '#lib/server/http/security-headers.ts';

const MAX_BODY_BYTES = 1024 * 1024;
const EXPECTED_STARTUP_ERRORS = new Set([
	'DatabaseUrlError',
	'DatabaseUnavailableError',
	'MigrationError'
]);
process.env.BODY_SIZE_LIMIT ??= String(MAX_BODY_BYTES);
// adapter-node takes the request's origin from headers (it reads no ORIGIN variable at run time) and
// assumes https. This server tells it the real origin through headers it always overwrites, so
// clients cannot spoof them: the configured public ORIGIN, or else the connection's scheme and the
// Host header. SvelteKit's CSRF check and `url.protocol` (Secure cookies) depend on it.
const PROTOCOL_HEADER = 'x-parley-protocol';
const HOST_HEADER = 'x-parley-host';
/** The same test as the authenticate hook: a request with this header signs in with the token. */
const BEARER = /^Bearer\s+\S+$/i;
const settings = startOrExit(() => loadConfig());
const configuredOrigin = settings.ORIGIN;
const publicOrigin = configuredOrigin ? new URL(configuredOrigin) : undefined;
process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
if (publicOrigin) process.env.HOST_HEADER = HOST_HEADER;

/**
 * Runs a start-up step; a configuration or database problem ends the process with one line saying
 * what is wrong (exit code 1) before anything listens. Other failures also print their stack.
 */
function startOrExit<T>(step: () => T): T {
	const exit = (error: unknown): never => {
		const expected =
			error instanceof Error &&
			(EXPECTED_STARTUP_ERRORS.has(error.name) ||
				error.message.startsWith('Invalid configuration'));
		process.stderr.write(
			`Parley cannot start: ${expected ? error.message : ((error as Error)?.stack ?? String(error))}\n`
		);
		process.exit(1);
	};
	try {
		const result = step();
		return result instanceof Promise ? (result.catch(exit) as T) : result;
	} catch (error) {
		return exit(error);
	}
}

type Handler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

function notFound(res: ServerResponse): void {
	res.writeHead(404, { 'content-type': 'application/json' });
	res.end(JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } }));
}

/** SvelteKit's handler, loaded once the App is up. */
const kit: { handler?: Handler } = {};
const server = http.createServer(
	{
		// Node refuses a headers timeout longer than the request timeout.
		headersTimeout: Math.min(settings.HTTP_HEADERS_TIMEOUT_MS, settings.HTTP_REQUEST_TIMEOUT_MS),
		requestTimeout: settings.HTTP_REQUEST_TIMEOUT_MS,
		// How often the timeouts above are enforced; Node's default lets a slow client linger 30 s more.
		connectionsCheckingInterval: 1000
	},
	handleRequest
);

function handleRequest(req: IncomingMessage, res: ServerResponse): void {
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
	res.once('finish', () => drainAtMost(req));
	if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
		res.writeHead(413, { 'content-type': 'application/json' });
		res.end(
			JSON.stringify({
				error: { code: 'payload_too_large', message: 'The request body is over 1 MB.' }
			})
		);
		return;
	}
	if (publicOrigin) {
		req.headers[PROTOCOL_HEADER] = publicOrigin.protocol.slice(0, -1);
		req.headers[HOST_HEADER] = publicOrigin.host;
	} else {
		req.headers[PROTOCOL_HEADER] =
			'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
	}
	// A request signed with a bearer token carries no ambient credential (the app ignores cookies on
	// it), so it cannot be a cross-site forgery. Scripts send no Origin, which SvelteKit's CSRF check
	// would refuse on a DELETE without a body; vouch for them as same-origin.
	if (!req.headers.origin && BEARER.test(req.headers.authorization ?? '')) {
		req.headers.origin =
			publicOrigin?.origin ?? `${String(req.headers[PROTOCOL_HEADER])}://${req.headers.host}`;
	}
	if (kit.handler) kit.handler(req, res, () => notFound(res));
	else notFound(res);
}

// Boot first (migrations, services, Socket.IO), then load SvelteKit, whose init hook reuses the App.
const parley = await startOrExit(() => bootParley(server));
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
