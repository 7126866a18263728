import path from 'node:path';

/** Which database a URL names: the embedded SQLite file, or a PostgreSQL server. */
export type DatabaseTarget =
	| { kind: 'sqlite'; url: string; file: string }
	| { kind: 'postgres'; url: string; database: string; host: string };

export type Dialect = DatabaseTarget['kind'];

/** A DATABASE_URL that names no database Parley can use; the message says why. */
export class DatabaseUrlError extends Error {
	override name = 'DatabaseUrlError';
}

/**
 * Reads DATABASE_URL: `file:<path>` (resolved against the working directory) or
 * `postgres(ql)://user:password@host:port/database`. Throws a DatabaseUrlError naming the problem,
 * never echoing a password.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
	if (url.startsWith('file:')) {
		const file = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
		if (!file) {
			throw new DatabaseUrlError('DATABASE_URL file: needs a path, e.g. file:./data/parley.db');
		}
		const resolved = path.resolve(file);
		return { kind: 'sqlite', url: `file:${resolved}`, file: resolved };
	}
	if (/^postgres(ql)?:/i.test(url)) {
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			throw new DatabaseUrlError(
				'DATABASE_URL is not a valid PostgreSQL URL: expected postgresql://user:password@host:5432/database (percent-encode special characters in the password)'
			);
		}
		const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
		if (!parsed.hostname) throw new DatabaseUrlError('DATABASE_URL names no PostgreSQL host');
		if (!database || database.includes('/')) {
			throw new DatabaseUrlError(
				'DATABASE_URL names no PostgreSQL database: add it after the host, e.g. postgresql://user:password@host:5432/parley'
			);
		}
		return { kind: 'postgres', url, database, host: parsed.host };
	}
	throw new DatabaseUrlError(
		'DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)'
	);
}

/** Where the data lives, for logs and messages: the file, or host/database (no credentials). */
export function describeTarget(target: DatabaseTarget): string {
	return target.kind === 'sqlite' ? target.file : `postgresql://${target.host}/${target.database}`;
}
