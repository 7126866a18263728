import { Worker } from 'node:worker_threads';
import type { PackedRows, SqliteAnswer, SqliteJob, SqliteWorkerOptions } from './sqlite-worker.ts';

interface Pending {
	resolve(answer: SqliteAnswer): void;
	reject(error: Error): void;
}

/**
 * The main thread's handle on a SQLite connection in a worker thread (sqlite-worker.ts): statements
 * run there one at a time, in the order sent, and resolve here. The worker starts on first use and
 * keeps the process alive only while a statement is waiting.
 */
export class SqliteThread {
	readonly #options: SqliteWorkerOptions;
	readonly #pending = new Map<number, Pending>();
	#worker: Worker | null = null;
	#nextId = 1;

	constructor(options: SqliteWorkerOptions) {
		this.#options = options;
	}

	#start(): Worker {
		if (this.#worker) return this.#worker;
		const worker = new Worker(new URL('./sqlite-worker.ts', import.meta.url), {
			workerData: this.#options
		});
		worker.on('message', (answer: SqliteAnswer) => {
			const pending = this.#pending.get(answer.id);
			if (!pending) return;
			this.#pending.delete(answer.id);
			if (!this.#pending.size) worker.unref();
			if ('error' in answer) pending.reject(new Error(answer.error));
			else pending.resolve(answer);
		});
		const fail = (error: Error) => {
			if (this.#worker === worker) this.#worker = null;
			for (const pending of this.#pending.values()) pending.reject(error);
			this.#pending.clear();
		};
		worker.on('error', fail);
		worker.on('exit', (code) => fail(new Error(`the SQLite worker exited (${code})`)));
		worker.unref();
		this.#worker = worker;
		return worker;
	}

	#send(op: SqliteJob['op'], text: string, values: unknown[]): Promise<SqliteAnswer> {
		const worker = this.#start();
		const id = this.#nextId++;
		return new Promise((resolve, reject) => {
			this.#pending.set(id, { resolve, reject });
			worker.ref();
			worker.postMessage({ id, op, text, values } satisfies SqliteJob);
		});
	}

	async all(text: string, values: unknown[]): Promise<unknown[]> {
		const answer = await this.#send('all', text, values);
		return 'rows' in answer ? answer.rows : [];
	}

	/**
	 * The rows, sent over column by column (PackedRows): for many rows or BLOBs. Each BLOB arrives
	 * as a Uint8Array view into one buffer shared by the whole answer, so the buffer lives as long
	 * as any of them does.
	 */
	async allPacked(text: string, values: unknown[]): Promise<Record<string, unknown>[]> {
		const answer = await this.#send('packed', text, values);
		return 'packed' in answer ? unpack(answer.packed) : [];
	}

	async run(text: string, values: unknown[]): Promise<number> {
		const answer = await this.#send('run', text, values);
		return 'changes' in answer ? answer.changes : 0;
	}

	async exec(text: string): Promise<void> {
		await this.#send('exec', text, []);
	}

	/** Closes the connection (a clean WAL checkpoint) and ends the worker. */
	async close(): Promise<void> {
		if (!this.#worker) return;
		await this.#send('close', '', []).catch(() => {});
		const worker = this.#worker;
		this.#worker = null;
		await worker?.terminate();
	}
}

function unpack({ count, columns }: PackedRows): Record<string, unknown>[] {
	const rows = Array.from({ length: count }, (): Record<string, unknown> => ({}));
	for (const column of columns) {
		const { name } = column;
		if ('numbers' in column) {
			for (let i = 0; i < count; i++) rows[i][name] = column.numbers[i];
		} else if ('bytes' in column) {
			const { bytes, ends } = column;
			for (let i = 0; i < count; i++) rows[i][name] = bytes.subarray(i ? ends[i - 1] : 0, ends[i]);
		} else {
			for (let i = 0; i < count; i++) rows[i][name] = column.values[i];
		}
	}
	return rows;
}
