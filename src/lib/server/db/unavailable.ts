import { causes } from './causes.ts';

/**
 * Whether an error means the database could not be reached (PostgreSQL restarting or failing over,
 * a dropped connection, a full pool) rather than a fault in the request. Transports answer these
 * as `unavailable` (503) so clients retry; nothing was written, because the statement or its
 * transaction never committed.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
	for (const { code, kind, message } of causes(error)) {
		if (typeof code === 'string' && (PRISMA_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code))) {
			return true;
		}
		// better-sqlite3's own error (the seam's statements): the file stayed locked past the timeout.
		if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
			return true;
		}
		if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
		if (typeof message === 'string' && MESSAGES.test(message)) return true;
	}
	return false;
}

/** Prisma: can't reach the server, timed out, server closed the connection, pool timeout. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** PostgreSQL SQLSTATE: connection exceptions (08…), shutting down / starting up (57P01–57P03). */
const POSTGRES_UNAVAILABLE = /^(08\w{3}|57P0[1-3])$/;
/** Driver adapter error kinds (@prisma/driver-adapter-utils). */
const ADAPTER_KINDS = new Set([
	'DatabaseNotReachable',
	'ConnectionClosed',
	'SocketTimeout',
	'TooManyConnections'
]);
const MESSAGES =
	/ECONNREFUSED|ECONNRESET|Connection terminated|terminating connection|the database system is (starting up|shutting down)|timeout exceeded when trying to connect|Client has encountered a connection error/i;
