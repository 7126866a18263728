import type { SqlDb } from '../../db/adapter-sql.ts';
import type { Compactor } from '../compaction.ts';
import type { NoteExtension, StorePayload } from '../extension.ts';
import { addNoteActivity, insertNoteUpdates, takeNoteSeqs, type EditCount } from '../note-sql.ts';

/** "YYYY-MM-DD" in UTC. */
function utcDay(date: Date): string {
	return date.toISOString().slice(0, 10);
}

/**
 * onStoreDocument: appends a batch of updates to the note's log in one transaction. The first
 * statement takes the batch's seqs from the note's counter (`UPDATE … RETURNING`, which also moves
 * `updatedAt` and holds the note's row until the commit), so processes sharing the database never
 * number two updates alike and a failed batch leaves no gap; then the rows, and the batch's
 * NoteActivity counts (one row per user and day, not per update). It resolves only once the
 * transaction committed, and the manager acknowledges the senders after that, so every
 * acknowledged update survives a crash. Then it schedules the background upkeep (preview,
 * compaction).
 *
 * On the seam, not Prisma: this runs for every burst of typing, and Prisma's planning cost more
 * than the statements.
 */
export class StoreInDatabase implements NoteExtension {
	readonly priority = 1000;
	readonly #sql: SqlDb;
	readonly #compactor: Compactor;

	constructor(sql: SqlDb, compactor: Compactor) {
		this.#sql = sql;
		this.#compactor = compactor;
	}

	async onStoreDocument({ note, updates }: StorePayload): Promise<void> {
		const last = updates.at(-1);
		if (!last) return;
		const edits = new Map<string, EditCount>();
		for (const { userId, at } of updates) {
			if (!userId) continue;
			const day = utcDay(at);
			const key = `${userId} ${day}`;
			const entry = edits.get(key) ?? { userId, day, count: 0 };
			entry.count += 1;
			edits.set(key, entry);
		}
		let seq: number;
		try {
			seq = await this.#sql.transaction(async (tx) => {
				const newest = await takeNoteSeqs(tx, note.id, updates.length, last.at);
				if (newest === undefined) throw new Error(`note ${note.id} is gone`);
				await insertNoteUpdates(tx, note.id, newest - updates.length + 1, updates);
				if (edits.size) await addNoteActivity(tx, note.id, [...edits.values()]);
				return newest;
			});
		} catch (error) {
			// These updates are applied in memory only: the next compaction writes the whole state.
			note.dirty = true;
			this.#compactor.schedule(note);
			throw error;
		}
		// The document holds every update up to storedSeq. When another process appended to this
		// note since (its seqs lie between), this document lacks those rows, so storedSeq stays and
		// compaction never folds or deletes past them.
		if (seq - updates.length === note.storedSeq) note.storedSeq = seq;
		note.tailCount += updates.length;
		note.tailBytes += updates.reduce((sum, u) => sum + u.data.length, 0);
		this.#compactor.schedule(note);
	}
}
