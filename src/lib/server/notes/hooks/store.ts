import type { Db } from '../../db/client.ts';
import { storable } from '../bytes.ts';
import type { Compactor } from '../compaction.ts';
import type { NoteExtension, StorePayload } from '../extension.ts';

/** "YYYY-MM-DD" in UTC. */
function utcDay(date: Date): string {
	return date.toISOString().slice(0, 10);
}

/**
 * onStoreDocument: appends a batch of updates to the note's log in one transaction, together with
 * the batch's NoteActivity counts (one upsert per user and day, not per update) and the note's
 * `updatedAt`. It resolves only once the transaction committed, and the manager acknowledges the
 * senders after that, so every acknowledged update survives a crash. Then it schedules the
 * background upkeep (preview, compaction).
 */
export class StoreInDatabase implements NoteExtension {
	readonly priority = 1000;
	readonly #db: Db;
	readonly #compactor: Compactor;

	constructor(db: Db, compactor: Compactor) {
		this.#db = db;
		this.#compactor = compactor;
	}

	async onStoreDocument({ note, updates }: StorePayload): Promise<void> {
		const edits = new Map<string, { userId: string; day: string; count: number }>();
		for (const { userId, at } of updates) {
			if (!userId) continue;
			const day = utcDay(at);
			const key = `${userId} ${day}`;
			const entry = edits.get(key) ?? { userId, day, count: 0 };
			entry.count += 1;
			edits.set(key, entry);
		}
		const db = this.#db;
		try {
			await db.$transaction([
				db.noteUpdate.createMany({
					data: updates.map(({ seq, data, userId }) => ({
						noteId: note.id,
						seq,
						data: storable(data),
						userId
					}))
				}),
				...[...edits.values()].map(({ userId, day, count }) =>
					db.noteActivity.upsert({
						where: { noteId_userId_day: { noteId: note.id, userId, day } },
						create: { noteId: note.id, userId, day, edits: count },
						update: { edits: { increment: count } }
					})
				),
				db.note.updateMany({ where: { id: note.id }, data: { updatedAt: updates.at(-1)?.at } })
			]);
		} catch (error) {
			// These updates are applied in memory only: the next compaction writes the whole state.
			note.dirty = true;
			this.#compactor.schedule(note);
			throw error;
		}
		note.tailCount += updates.length;
		note.tailBytes += updates.reduce((sum, u) => sum + u.data.length, 0);
		this.#compactor.schedule(note);
	}
}
