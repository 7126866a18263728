import { type Db, Prisma } from '../../db/client.ts';
import { storable } from '../bytes.ts';
import type { Compactor } from '../compaction.ts';
import type { NoteExtension, StorePayload } from '../extension.ts';

/** "YYYY-MM-DD" in UTC. */
function utcDay(date: Date): string {
	return date.toISOString().slice(0, 10);
}

/**
 * onStoreDocument: appends a batch of updates to the note's log in one transaction, together with
 * the batch's NoteActivity counts (one row per user and day, not per update). It resolves only
 * once the transaction committed, and the manager acknowledges the senders after that, so every
 * acknowledged update survives a crash. Then it schedules the background upkeep (preview,
 * `updatedAt`, compaction).
 *
 * Raw statements, not createMany/upsert: this runs for every burst of typing, and Prisma's query
 * planning cost about 1.2 ms of CPU per batch against 0.5 ms for these two plain statements
 * (measured on the dev box), time the event loop could not spend relaying keystrokes. The SQL is
 * portable to PostgreSQL (quoted identifiers, ON CONFLICT).
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
		const rows = updates.map(
			({ seq, data, userId }) => Prisma.sql`(${note.id}, ${seq}, ${storable(data)}, ${userId})`
		);
		const counts = [...edits.values()].map(
			({ userId, day, count }) => Prisma.sql`(${note.id}, ${userId}, ${day}, ${count})`
		);
		const db = this.#db;
		try {
			await db.$transaction([
				db.$executeRaw`INSERT INTO "NoteUpdate" ("noteId", "seq", "data", "userId")
					VALUES ${Prisma.join(rows)}`,
				...(counts.length
					? [
							db.$executeRaw`INSERT INTO "NoteActivity" ("noteId", "userId", "day", "edits")
								VALUES ${Prisma.join(counts)}
								ON CONFLICT ("noteId", "userId", "day")
								DO UPDATE SET "edits" = "NoteActivity"."edits" + excluded."edits"`
						]
					: [])
			]);
		} catch (error) {
			// These updates are applied in memory only: the next compaction writes the whole state.
			note.dirty = true;
			this.#compactor.schedule(note);
			throw error;
		}
		note.tailCount += updates.length;
		note.tailBytes += updates.reduce((sum, u) => sum + u.data.length, 0);
		note.editedAt = updates.at(-1)?.at ?? note.editedAt;
		this.#compactor.schedule(note);
	}
}
