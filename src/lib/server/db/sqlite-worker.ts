/**
 * Runs inside a worker thread (see sqlite-thread.ts): one better-sqlite3 connection, read-only for
 * reports or writable for the rollup rebuild. A 90-day report's aggregates or a day of rebuilding
 * take tens to hundreds of milliseconds of CPU; here they cost this thread, not the event loop that
 * delivers messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface SqliteJob {
	id: number;
	/** `all`: the rows; `run`: the rows changed; `exec`: statements without parameters. */
	op: 'all' | 'run' | 'exec' | 'close';
	text: string;
	values: unknown[];
}

export type SqliteAnswer =
	{ id: number; rows: unknown[] } | { id: number; changes: number } | { id: number; error: string };

export interface SqliteWorkerOptions {
	file: string;
	readOnly: boolean;
}

const { file, readOnly } = workerData as SqliteWorkerOptions;
const db = new Database(file, { fileMustExist: true, timeout: readOnly ? 5000 : 30_000 });
if (readOnly) {
	db.pragma('query_only = ON');
	db.pragma('cache_size = -65536');
} else {
	db.pragma('journal_mode = WAL');
	db.pragma('cache_size = -262144');
	db.pragma('temp_store = MEMORY');
}
const statements = new Map<string, Database.Statement>();

function prepare(text: string): Database.Statement {
	let statement = statements.get(text);
	if (!statement) {
		statement = db.prepare(text);
		if (statements.size > 500) statements.clear();
		statements.set(text, statement);
	}
	return statement;
}

function answer(job: SqliteJob): SqliteAnswer {
	try {
		if (job.op === 'close') {
			db.close();
			return { id: job.id, changes: 0 };
		}
		if (job.op === 'exec') {
			db.exec(job.text);
			return { id: job.id, changes: 0 };
		}
		if (job.op === 'run') {
			return { id: job.id, changes: prepare(job.text).run(...job.values).changes };
		}
		return { id: job.id, rows: prepare(job.text).all(...job.values) };
	} catch (error) {
		// A failed statement inside a transaction leaves it open; the caller rolls back.
		return { id: job.id, error: error instanceof Error ? error.message : String(error) };
	}
}

parentPort?.on('message', (job: SqliteJob) => parentPort?.postMessage(answer(job)));
