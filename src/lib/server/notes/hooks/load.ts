import * as Y from 'yjs';
import type { Db } from '../../db/client.ts';
import { storable } from '../bytes.ts';
import type { LoadPayload, NoteExtension } from '../extension.ts';
import type { NoteLogReader } from '../log-reader.ts';
import { seedState } from '../seed.ts';

/** The transaction origin of loading, so nothing treats it as an edit. */
export const LOAD_ORIGIN = Symbol('load');

/**
 * onLoadDocument: the stored snapshot, then every update logged after it, in seq order, applied
 * in one Yjs transaction (one pass of observers instead of one per update). A note with neither
 * gets the server's seed, stored as its snapshot. The log is read off the event loop
 * (`NoteLogReader`).
 */
export class LoadFromDatabase implements NoteExtension {
	readonly priority = 1000;
	readonly #db: Db;
	readonly #log: NoteLogReader;

	constructor(db: Db, log: NoteLogReader) {
		this.#db = db;
		this.#log = log;
	}

	async onLoadDocument({ note }: LoadPayload): Promise<void> {
		const { snapshot, tail } = await this.#log.read(note.id);
		const after = snapshot?.seq ?? 0;
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
		const last = tail.at(-1)?.seq ?? after;
		note.snapshotSeq = after;
		note.snapshotBytes = state?.length ?? 0;
		note.lastSeq = note.storedSeq = last;
		note.tailCount = tail.length;
		note.tailBytes = tail.reduce((sum, row) => sum + row.data.length, 0);
	}

	onDestroy(): void {
		void this.#log.close();
	}
}
