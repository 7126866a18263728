/**
 * The statements of the note's seq counter, run on the seam (db/adapter-sql.ts).
 */
import type { Sql } from '../db/adapter-sql.ts';
import { q } from '../db/sql.ts';

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
