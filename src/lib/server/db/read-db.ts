import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { numberTypes } from './pg-types.ts';
import { render, type Q } from './sql.ts';
import type { DatabaseTarget, Dialect } from './target.ts';
import type { ReadAnswer, ReadJob } from './read-worker.ts';

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
	readonly #file: string;
	readonly #pending = new Map<number, { resolve(rows: unknown[]): void; reject(e: Error): void }>();
	#worker: Worker | null = null;
	#nextId = 1;

	constructor(file: string) {
		this.#file = file;
	}

	#start(): Worker {
		if (this.#worker) return this.#worker;
		const worker = new Worker(new URL('./read-worker.ts', import.meta.url), {
			workerData: { file: this.#file }
		});
		worker.on('message', (answer: ReadAnswer) => {
			const pending = this.#pending.get(answer.id);
			if (!pending) return;
			this.#pending.delete(answer.id);
			if ('error' in answer) pending.reject(new Error(answer.error));
			else pending.resolve(answer.rows);
		});
		const fail = (error: Error) => {
			if (this.#worker === worker) this.#worker = null;
			for (const pending of this.#pending.values()) pending.reject(error);
			this.#pending.clear();
		};
		worker.on('error', fail);
		worker.on('exit', (code) => fail(new Error(`the SQLite read worker exited (${code})`)));
		// Only a waiting query keeps the process alive.
		worker.unref();
		this.#worker = worker;
		return worker;
	}

	all<T>(query: Q): Promise<T[]> {
		const { text, values } = render(query, 'sqlite');
		const worker = this.#start();
		const id = this.#nextId++;
		return new Promise<unknown[]>((resolve, reject) => {
			this.#pending.set(id, { resolve, reject });
			if (this.#pending.size === 1) worker.ref();
			worker.postMessage({ id, text, values } satisfies ReadJob);
		}).finally(() => {
			if (!this.#pending.size) this.#worker?.unref();
		}) as Promise<T[]>;
	}

	async get<T>(query: Q): Promise<T | undefined> {
		return (await this.all<T>(query))[0];
	}

	async close(): Promise<void> {
		const worker = this.#worker;
		this.#worker = null;
		await worker?.terminate();
	}
}

/** PostgreSQL: a small pool of read-only sessions. */
class PostgresReadDb implements ReadDb {
	readonly dialect = 'postgres' as const;
	readonly #pool: pg.Pool;

	constructor(url: string) {
		this.#pool = new pg.Pool({
			connectionString: url,
			max: 4,
			idleTimeoutMillis: 30_000,
			connectionTimeoutMillis: 5000,
			options: '-c default_transaction_read_only=on',
			types: numberTypes
		});
		// An idle connection the server dropped (a restart) must not crash the process.
		this.#pool.on('error', () => {});
	}

	async all<T>(query: Q): Promise<T[]> {
		const { text, values } = render(query, 'postgres');
		const result = await this.#pool.query({ text, values });
		return result.rows as T[];
	}

	async get<T>(query: Q): Promise<T | undefined> {
		return (await this.all<T>(query))[0];
	}

	async close(): Promise<void> {
		await this.#pool.end();
	}
}
