import Database from 'better-sqlite3';
import pg from 'pg';
import { numberTypes } from './pg-types.ts';
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
 * SQLite through better-sqlite3. Each statement runs synchronously on the calling thread; the
 * callers work a day at a time and yield between days.
 */
class SqliteSession implements BulkSession {
	readonly dialect = 'sqlite' as const;
	readonly #db: Database.Database;
	readonly #statements = new Map<string, Database.Statement>();

	constructor(file: string) {
		this.#db = new Database(file, { fileMustExist: true, timeout: 30_000 });
		this.#db.pragma('journal_mode = WAL');
		this.#db.pragma('cache_size = -262144');
		this.#db.pragma('temp_store = MEMORY');
	}

	#prepare(query: Q): { statement: Database.Statement; values: unknown[] } {
		const { text, values } = render(query, 'sqlite');
		let statement = this.#statements.get(text);
		if (!statement) {
			statement = this.#db.prepare(text);
			this.#statements.set(text, statement);
		}
		return { statement, values };
	}

	async run(query: Q): Promise<number> {
		const { statement, values } = this.#prepare(query);
		return statement.run(...values).changes;
	}

	async all<T>(query: Q): Promise<T[]> {
		const { statement, values } = this.#prepare(query);
		return statement.all(...values) as T[];
	}

	async transaction<T>(_tables: readonly string[], work: () => Promise<T>): Promise<T> {
		this.#db.exec('BEGIN IMMEDIATE');
		try {
			const result = await work();
			this.#db.exec('COMMIT');
			return result;
		} catch (error) {
			if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
			throw error;
		}
	}

	async close(): Promise<void> {
		this.#db.close();
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
