import { parseDatabaseUrl } from './target.ts';

/** The database cannot be reached or refused us; the message says why without secrets. */
export class DatabaseUnavailableError extends Error {
	override name = 'DatabaseUnavailableError';
}

interface PgError {
	code?: string;
	message?: string;
}

/** Turns node-postgres's connect failure into a message an operator can act on. */
export function explainConnectError(error: unknown, url: string): Error {
	const target = parseDatabaseUrl(url);
	const where = target.kind === 'postgres' ? `PostgreSQL at ${target.host}` : 'the database';
	const user = decodeURIComponent(new URL(url).username || 'the default user');
	const { code, message = String(error) } = (error ?? {}) as PgError;
	const database = target.kind === 'postgres' ? target.database : '';
	const why: Record<string, string> = {
		ECONNREFUSED: `cannot connect to ${where}: connection refused (is it running, and on that port?)`,
		ENOTFOUND: `cannot connect to ${where}: the host name does not resolve`,
		ETIMEDOUT: `cannot connect to ${where}: timed out`,
		'28P01': `${where} refused the password for user "${user}"`,
		'28000': `${where} refused user "${user}" (check pg_hba.conf and the user name)`,
		'3D000': `${where} has no database "${database}": create it first (createdb ${database})`
	};
	return new DatabaseUnavailableError(
		why[code ?? ''] ??
			(/timeout/i.test(message)
				? `cannot connect to ${where}: timed out`
				: `cannot connect to ${where}: ${message}`)
	);
}
