import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import type { SqlDb } from '#lib/server/db/adapter-sql.ts';
import { openDatabase, type Db } from '#lib/server/db/client.ts';
import { applyMigrations } from '#lib/server/db/migrate.ts';
import { parseDatabaseUrl } from '#lib/server/db/target.ts';
import { toPublicUser } from '#lib/server/auth/user-row.ts';
import { storable } from '#lib/server/notes/bytes.ts';
import { LoadFromDatabase } from '#lib/server/notes/hooks/load.ts';
import { openNoteLogReader, type NoteLogReader } from '#lib/server/notes/log-reader.ts';
import { LoadedNote, type StoredUpdate } from '#lib/server/notes/loaded-note.ts';
import { seedState } from '#lib/server/notes/seed.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { createPostgresDatabase, dropPostgresDatabase, TEST_DB } from './database.ts';

/**
 * A real, migrated database for the note hooks' own tests (they run in-process against Prisma,
 * and the seam, without an HTTP server): a SQLite file in a temporary folder, or a fresh PostgreSQL database under
 * PARLEY_TEST_DB=postgres. `file` is the SQLite file (undefined on PostgreSQL); `log` reads notes'
 * logs the way the server does (on SQLite, in a worker thread).
 */
export async function notesTestDb(): Promise<{
	db: Db;
	sql: SqlDb;
	file: string | undefined;
	log: NoteLogReader;
	close(): Promise<void>;
}> {
	const dir = mkdtempSync(path.join(tmpdir(), 'parley-notes-spec-'));
	const url =
		TEST_DB === 'postgres'
			? await createPostgresDatabase('notes_spec')
			: `file:${path.join(dir, 'parley.db')}`;
	const target = parseDatabaseUrl(url);
	await applyMigrations(target);
	const { db, sql } = await openDatabase(target);
	const log = openNoteLogReader(db, target);
	return {
		db,
		sql,
		file: target.kind === 'sqlite' ? target.file : undefined,
		log,
		async close() {
			await log.close();
			await db.$disconnect();
			if (target.kind === 'postgres') await dropPostgresDatabase(url);
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

let counter = 0;
export async function addUser(db: Db, displayName: string): Promise<PublicUser> {
	counter += 1;
	const row = await db.user.create({
		data: {
			email: `${displayName.toLowerCase()}.${counter}@spec.test`,
			displayName,
			passwordHash: '-'
		}
	});
	return toPublicUser(row);
}

/** A note with the server's seed as its snapshot, as NoteService.create makes it. */
export async function addNote(
	db: Db,
	owner: PublicUser,
	extra: { workspaceRole?: 'viewer' | 'editor'; deletedAt?: Date; title?: string } = {}
): Promise<string> {
	const note = await db.note.create({ data: { ownerId: owner.id, ...extra } });
	await db.noteSnapshot.create({ data: { noteId: note.id, state: storable(seedState()), seq: 0 } });
	return note.id;
}

/** Loads a note the way the manager does (through the load hook), with a store that fails. */
export async function loadNote(
	{ db, sql }: { db: Db; sql: SqlDb },
	log: NoteLogReader,
	noteId: string
): Promise<LoadedNote> {
	const note = new LoadedNote(noteId, async () => {
		throw new Error('this spec stores through the hook directly');
	});
	await new LoadFromDatabase(db, sql, log).onLoadDocument({ note });
	return note;
}

/** Makes a change to `doc` and returns the update it produced. */
export function change(doc: Y.Doc, edit: (doc: Y.Doc) => void): Uint8Array {
	const vector = Y.encodeStateVector(doc);
	edit(doc);
	return Y.encodeStateAsUpdate(doc, vector);
}

/** An accepted update as the manager queues it (the store numbers it). */
export function stored(data: Uint8Array, userId: string | null, at = new Date()): StoredUpdate {
	return { data, userId, at };
}
