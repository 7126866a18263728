import pLimit from 'p-limit';
import pg from 'pg';
import { numberTypes } from './pg-types.ts';
import { render, type Q } from './sql.ts';
import type { DatabaseTarget, Dialect } from './target.ts';
import { SqliteThread } from './sqlite-thread.ts';

/**
 * A read-only connection of its own for aggregates that Prisma's raw API would only slow down (it
 * converts every integer to a BigInt): the usage reports. Asynchronous on both databases, so a long
 * report never holds up the event loop; rows come back with plain numbers.
 */
export interface ReadDb {
	readonly dialect: Dialect;
	all<T>(query: Q): Promise<T[]>;
	get<T>(query: Q): Promise<T | undefined>;
	close(): Promise<void>;
}

/** Opens the read connection for a target (lazily: nothing connects before the first query). */
export function openReadDb(target: DatabaseTarget): ReadDb {
	return target.kind === 'sqlite' ? new SqliteReadDb(target.file) : new PostgresReadDb(target.url);
}

/** SQLite: better-sqlite3 in a worker thread, one query at a time in order. */
class SqliteReadDb implements ReadDb {
	readonly dialect = 'sqlite' as const;
	readonly #thread: SqliteThread;

	constructor(file: string) {
		this.#thread = new SqliteThread({ file, readOnly: true });
	}

	async all<T>(query: Q): Promise<T[]> {
		const { text, values } = render(query, 'sqlite');
		return (await this.#thread.all(text, values)) as T[];
	}

	async get<T>(query: Q): Promise<T | undefined> {
		return (await this.all<T>(query))[0];
	}

	close(): Promise<void> {
		return this.#thread.close();
	}
}

/** Report queries PostgreSQL runs at once for this process. */
const READ_POOL_SIZE = 4;

/**
 * PostgreSQL: a small pool of read-only sessions. Queries beyond the pool's size wait in a queue
 * of their own: the pool's timeout bounds connecting to the server, and in the pool's queue it
 * also cut off a busy dashboard's queries that merely waited their turn for more than 5 s.
 */
class PostgresReadDb implements ReadDb {
	readonly dialect = 'postgres' as const;
	readonly #pool: pg.Pool;
	readonly #turn = pLimit(READ_POOL_SIZE);

	constructor(url: string) {
		this.#pool = new pg.Pool({
			connectionString: url,
			max: READ_POOL_SIZE,
			idleTimeoutMillis: 30_000,
			connectionTimeoutMillis: 5000,
			// No JIT: the reports' estimates for VALUES-driven probes run to millions of rows, so
			// PostgreSQL compiled each one (20–300 ms on a busy machine) to run it in 3 ms.
			options: '-c default_transaction_read_only=on -c jit=off',
			types: numberTypes
		});
		// An idle connection the server dropped (a restart) must not crash the process.
		this.#pool.on('error', () => {});
	}

	async all<T>(query: Q): Promise<T[]> {
		const { text, values } = render(query, 'postgres');
		const result = await this.#turn(() => this.#pool.query({ text, values }));
		return result.rows as T[];
	}

	async get<T>(query: Q): Promise<T | undefined> {
		return (await this.all<T>(query))[0];
	}

	async close(): Promise<void> {
		await this.#pool.end();
	}
}
