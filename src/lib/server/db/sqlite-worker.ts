/**
 * Runs inside a worker thread (see sqlite-thread.ts): one better-sqlite3 connection, read-only for
 * reports and notes' logs, or writable for the rollup rebuild. A 90-day report's aggregates or a day of rebuilding
 * take tens to hundreds of milliseconds of CPU; here they cost this thread, not the event loop that
 * delivers messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface SqliteJob {
	id: number;
	/**
	 * `all`: the rows; `packed`: the rows column by column (`PackedRows`); `run`: the rows changed;
	 * `exec`: statements without parameters.
	 */
	op: 'all' | 'packed' | 'run' | 'exec' | 'close';
	text: string;
	values: unknown[];
}

/**
 * Rows as columns, for results of many small rows or BLOBs: a column of numbers is one
 * Float64Array, a column of BLOBs one buffer with where each value ends, and their memory is
 * transferred, not copied. Cloning 10,000 rows each holding a Buffer cost the receiving thread about
 * 15 ms (one object and one ArrayBuffer apiece); a packed answer arrives in well under 1 ms.
 * Any other column (text, NULLs, mixed) is an array, cloned as usual.
 */
export interface PackedRows {
	count: number;
	columns: PackedColumn[];
}

export type PackedColumn =
	| { name: string; numbers: Float64Array<ArrayBuffer> }
	| { name: string; bytes: Uint8Array<ArrayBuffer>; ends: Uint32Array<ArrayBuffer> }
	| { name: string; values: unknown[] };

export type SqliteAnswer =
	| { id: number; rows: unknown[] }
	| { id: number; packed: PackedRows }
	| { id: number; changes: number }
	| { id: number; error: string };

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

function packColumn(name: string, values: unknown[]): PackedColumn {
	if (values.every((value) => typeof value === 'number')) {
		return { name, numbers: Float64Array.from(values as number[]) };
	}
	if (!values.every((value) => value instanceof Uint8Array)) return { name, values };
	const blobs = values as Uint8Array[];
	const ends = new Uint32Array(blobs.length);
	let size = 0;
	for (const [i, blob] of blobs.entries()) ends[i] = size += blob.length;
	const bytes = new Uint8Array(size);
	for (const [i, blob] of blobs.entries()) bytes.set(blob, i ? ends[i - 1] : 0);
	return { name, bytes, ends };
}

function pack(statement: Database.Statement, values: unknown[]): PackedRows {
	let rows: unknown[][];
	try {
		rows = statement.raw(true).all(...values) as unknown[][];
	} finally {
		statement.raw(false);
	}
	const columns = statement.columns().map((column, i) =>
		packColumn(
			column.name,
			rows.map((row) => row[i])
		)
	);
	return { count: rows.length, columns };
}

/** The memory a packed answer hands over to the receiving thread instead of copying it. */
function transfers(packed: PackedRows): ArrayBuffer[] {
	return packed.columns.flatMap((column) =>
		'numbers' in column
			? [column.numbers.buffer]
			: 'bytes' in column
				? [column.bytes.buffer, column.ends.buffer]
				: []
	);
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
		if (job.op === 'packed') return { id: job.id, packed: pack(prepare(job.text), job.values) };
		return { id: job.id, rows: prepare(job.text).all(...job.values) };
	} catch (error) {
		// A failed statement inside a transaction leaves it open; the caller rolls back.
		return { id: job.id, error: error instanceof Error ? error.message : String(error) };
	}
}

parentPort?.on('message', (job: SqliteJob) => {
	const reply = answer(job);
	parentPort?.postMessage(reply, 'packed' in reply ? transfers(reply.packed) : []);
});
