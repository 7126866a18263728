import Database from 'better-sqlite3';

export interface LoggedUpdate {
	seq: number;
	data: Uint8Array;
}

/**
 * Reads a note's update log straight from the SQLite file on a read-only connection of its own.
 * After a crash a note's tail can hold thousands of small rows, which better-sqlite3 hands over
 * several times faster than Prisma's raw-query row mapping; writes stay with Prisma.
 */
export class NoteLogReader {
	readonly #file: string;
	#db: Database.Database | undefined;
	#tail: Database.Statement<[string, number], LoggedUpdate> | undefined;

	constructor(file: string) {
		this.#file = file;
	}

	/** The updates logged after `afterSeq`, in seq order. */
	tail(noteId: string, afterSeq: number): LoggedUpdate[] {
		if (!this.#db) {
			this.#db = new Database(this.#file, { fileMustExist: true, timeout: 5000 });
			this.#db.pragma('query_only = ON');
		}
		this.#tail ??= this.#db.prepare<[string, number], LoggedUpdate>(
			'SELECT seq, data FROM NoteUpdate WHERE noteId = ? AND seq > ? ORDER BY seq'
		);
		return this.#tail.all(noteId, afterSeq);
	}

	close(): void {
		this.#db?.close();
		this.#db = undefined;
		this.#tail = undefined;
	}
}
