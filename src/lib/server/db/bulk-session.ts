import pg from 'pg';
import { numberTypes } from './pg-types.ts';
import { SqliteThread } from './sqlite-thread.ts';
import { render, type Q } from './sql.ts';
import type { DatabaseTarget, Dialect } from './target.ts';

/**
 * A connection of its own for maintenance that rewrites many rows (the usage rollup rebuild): one
 * session (its temporary tables stay), statements rendered for its database, and transactions that
 * first lock the tables they rewrite against concurrent writers.
 */
export interface BulkSession {
	readonly dialect: Dialect;
	/** Runs a statement; resolves with the number of rows it changed. */
	run(query: Q): Promise<number>;
	all<T>(query: Q): Promise<T[]>;
	/**
	 * Runs `work` in one transaction that holds the write lock on `tables` from its start (SQLite:
	 * the database's, BEGIN IMMEDIATE; PostgreSQL: SHARE ROW EXCLUSIVE on each, in the order given).
	 */
	transaction<T>(tables: readonly string[], work: () => Promise<T>): Promise<T>;
	close(): Promise<void>;
}

export async function openBulkSession(target: DatabaseTarget): Promise<BulkSession> {
	if (target.kind === 'sqlite') return new SqliteSession(target.file);
	const client = new pg.Client({ connectionString: target.url, types: numberTypes });
	await client.connect();
	return new PostgresSession(client);
}

/**
 * SQLite through better-sqlite3 in a worker thread (sqlite-thread.ts), so a day of rebuilding never
 * holds up the server's event loop.
 */
class SqliteSession implements BulkSession {
	readonly dialect = 'sqlite' as const;
	readonly #thread: SqliteThread;

	constructor(file: string) {
		this.#thread = new SqliteThread({ file, readOnly: false });
	}

	run(query: Q): Promise<number> {
		const { text, values } = render(query, 'sqlite');
		return this.#thread.run(text, values);
	}

	async all<T>(query: Q): Promise<T[]> {
		const { text, values } = render(query, 'sqlite');
		return (await this.#thread.all(text, values)) as T[];
	}

	async transaction<T>(_tables: readonly string[], work: () => Promise<T>): Promise<T> {
		await this.#thread.exec('BEGIN IMMEDIATE');
		try {
			const result = await work();
			await this.#thread.exec('COMMIT');
			return result;
		} catch (error) {
			await this.#thread.exec('ROLLBACK').catch(() => {});
			throw error;
		}
	}

	close(): Promise<void> {
		return this.#thread.close();
	}
}

class PostgresSession implements BulkSession {
	readonly dialect = 'postgres' as const;
	readonly #client: pg.Client;

	constructor(client: pg.Client) {
		this.#client = client;
		// A server restart mid-rebuild fails the running statement; it must not crash the process.
		client.on('error', () => {});
	}

	async run(query: Q): Promise<number> {
		const { text, values } = render(query, 'postgres');
		return (await this.#client.query({ text, values })).rowCount ?? 0;
	}

	async all<T>(query: Q): Promise<T[]> {
		const { text, values } = render(query, 'postgres');
		return (await this.#client.query({ text, values })).rows as T[];
	}

	async transaction<T>(tables: readonly string[], work: () => Promise<T>): Promise<T> {
		await this.#client.query('BEGIN');
		try {
			if (tables.length) {
				const names = tables.map((t) => `"${t}"`).join(', ');
				await this.#client.query(`LOCK TABLE ${names} IN SHARE ROW EXCLUSIVE MODE`);
			}
			const result = await work();
			await this.#client.query('COMMIT');
			return result;
		} catch (error) {
			await this.#client.query('ROLLBACK').catch(() => {});
			throw error;
		}
	}

	async close(): Promise<void> {
		await this.#client.end();
	}
}
