import { SqliteReader } from '../db/sqlite-reader.ts';
import { q } from '../db/sql.ts';

export interface LoggedUpdate {
	seq: number;
	data: Uint8Array;
}

/**
 * Reads a note's update log straight from the SQLite file on a read-only connection of its own
 * (`SqliteReader`). After a crash a note's tail can hold thousands of small rows, which
 * better-sqlite3 hands over several times faster than Prisma's raw-query row mapping; writes stay
 * with Prisma.
 */
export class NoteLogReader {
	readonly #file: string;
	#db: SqliteReader | undefined;

	constructor(file: string) {
		this.#file = file;
	}

	/** The updates logged after `afterSeq`, in seq order. */
	tail(noteId: string, afterSeq: number): LoggedUpdate[] {
		this.#db ??= new SqliteReader(this.#file);
		return this.#db.all<LoggedUpdate>(
			q`SELECT seq, data FROM NoteUpdate WHERE noteId = ${noteId} AND seq > ${afterSeq} ORDER BY seq`
		);
	}

	close(): void {
		this.#db?.close();
		this.#db = undefined;
	}
}
