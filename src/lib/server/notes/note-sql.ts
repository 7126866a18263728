/**
 * The statements of the note append (the hot path of every burst of typing) and of the note's seq
 * counter, run on the seam (db/adapter-sql.ts) instead of Prisma, whose planning cost more than the
 * SQL. The same text serves SQLite and PostgreSQL.
 */
import type { Sql } from '../db/adapter-sql.ts';
import { join, param, q } from '../db/sql.ts';
import { storable } from './bytes.ts';

/** An update as the append writes it. */
export interface AppendRow {
	data: Uint8Array;
	userId: string | null;
}

/** Edits of one person on one UTC day ("YYYY-MM-DD"), for NoteActivity. */
export interface EditCount {
	userId: string;
	day: string;
	count: number;
}

/**
 * Takes `count` seqs from the note's counter, locking the note's row until the transaction ends,
 * and moves its `updatedAt` to `editedAt`. Returns the newest of the seqs taken (the batch is
 * numbered up to it), or undefined when the note is gone.
 */
export async function takeNoteSeqs(
	tx: Sql,
	noteId: string,
	count: number,
	editedAt: Date
): Promise<number | undefined> {
	const row = await tx.get<{ lastSeq: number }>(
		q`UPDATE "Note" SET "lastSeq" = "lastSeq" + ${count}, "updatedAt" = ${editedAt}
WHERE id = ${noteId} RETURNING "lastSeq"`
	);
	return row?.lastSeq;
}

/** Inserts a batch of updates numbered `first`, `first + 1`, … in order. */
export function insertNoteUpdates(
	tx: Sql,
	noteId: string,
	first: number,
	rows: readonly AppendRow[]
): Promise<number> {
	const values = rows.map(
		({ data, userId }, i) => q`(${noteId}, ${param(first + i)}, ${storable(data)}, ${userId})`
	);
	return tx.run(
		q`INSERT INTO "NoteUpdate" ("noteId", "seq", "data", "userId") VALUES ${join(values, ', ')}`
	);
}

/** Adds a batch's edits to the NoteActivity rows (one per person and day). */
export function addNoteActivity(
	tx: Sql,
	noteId: string,
	counts: readonly EditCount[]
): Promise<number> {
	const values = counts.map(
		({ userId, day, count }) => q`(${noteId}, ${userId}, ${day}, ${param(count)})`
	);
	return tx.run(
		q`INSERT INTO "NoteActivity" ("noteId", "userId", "day", "edits") VALUES ${join(values, ', ')}
ON CONFLICT ("noteId", "userId", "day") DO UPDATE SET "edits" = "NoteActivity"."edits" + excluded."edits"`
	);
}

/**
 * Moves a note's counter up to `seq` (the newest seq its snapshot or log holds) if it is behind;
 * never down. Returns 1 when it was behind.
 */
export function raiseNoteSeq(sql: Sql, noteId: string, seq: number): Promise<number> {
	const to = param(seq);
	return sql.run(q`UPDATE "Note" SET "lastSeq" = ${to} WHERE id = ${noteId} AND "lastSeq" < ${to}`);
}

/**
 * Sets every note's counter to the newest seq its snapshot or log holds, where it is behind: once,
 * when the counter column arrives on a database with history (migration `note_seq_counter`).
 * Returns how many notes moved.
 */
export function backfillNoteSeqs(sql: Sql): Promise<number> {
	return sql.run(
		q`UPDATE "Note" SET "lastSeq" = newest.seq
FROM (SELECT "noteId", MAX("seq") AS seq FROM (
	SELECT "noteId", "seq" FROM "NoteUpdate" UNION ALL SELECT "noteId", "seq" FROM "NoteSnapshot"
) AS logged GROUP BY "noteId") AS newest
WHERE newest."noteId" = "Note".id AND newest.seq > "Note"."lastSeq"`
	);
}
