import * as Y from 'yjs';
import type { Sql } from '../../db/adapter-sql.ts';
import type { Db } from '../../db/client.ts';
import { storable } from '../bytes.ts';
import type { LoadPayload, NoteExtension } from '../extension.ts';
import type { NoteLogReader } from '../log-reader.ts';
import { raiseNoteSeq } from '../note-sql.ts';
import { seedState } from '../seed.ts';

/** The transaction origin of loading, so nothing treats it as an edit. */
export const LOAD_ORIGIN = Symbol('load');

/**
 * onLoadDocument: the stored snapshot, then every update logged after it, in seq order, applied
 * in one Yjs transaction (one pass of observers instead of one per update). A note with neither
 * gets the server's seed, stored as its snapshot. The log is read off the event loop
 * (`NoteLogReader`).
 *
 * A note with history also has its seq counter moved up to that history if it is behind, so the
 * next append cannot collide with a logged seq even where the upgrade's backfill did not run (a
 * crash right after the migration, another process migrating the same database, `parley db
 * migrate`).
 */
export class LoadFromDatabase implements NoteExtension {
	readonly priority = 1000;
	readonly #db: Db;
	readonly #sql: Sql;
	readonly #log: NoteLogReader;

	constructor(db: Db, sql: Sql, log: NoteLogReader) {
		this.#db = db;
		this.#sql = sql;
		this.#log = log;
	}

	async onLoadDocument({ note }: LoadPayload): Promise<void> {
		const { snapshot, tail } = await this.#log.read(note.id);
		const after = snapshot?.seq ?? 0;
		const last = tail.at(-1)?.seq ?? after;
		if (last > 0) await raiseNoteSeq(this.#sql, note.id, last);
		let state = snapshot?.state;
		if (!snapshot && tail.length === 0) {
			const seed = storable(seedState());
			await this.#db.noteSnapshot.create({ data: { noteId: note.id, state: seed, seq: 0 } });
			state = seed;
		}
		note.doc.transact(() => {
			if (state) Y.applyUpdate(note.doc, state);
			for (const row of tail) Y.applyUpdate(note.doc, row.data);
		}, LOAD_ORIGIN);
		note.snapshotSeq = after;
		note.snapshotBytes = state?.length ?? 0;
		note.storedSeq = last;
		note.tailCount = tail.length;
		note.tailBytes = tail.reduce((sum, row) => sum + row.data.length, 0);
	}

	onDestroy(): void {
		void this.#log.close();
	}
}
