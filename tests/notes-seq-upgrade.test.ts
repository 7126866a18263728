import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyMigrations, migrationsDir } from '#lib/server/db/migrate.ts';
import { parseDatabaseUrl } from '#lib/server/db/target.ts';
import { newUser } from './helpers/channels.ts';
import {
	createPostgresDatabase,
	dbDate,
	dropPostgresDatabase,
	openTestDb,
	TEST_DB,
	type TestDb
} from './helpers/database.ts';
import { appendText, content, NOTE_TEST_LIMITS, RawNoteClient } from './helpers/notes.ts';
import { disposeServer, startServer, type TestServer } from './helpers/server.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-test-'));
const url =
	TEST_DB === 'postgres'
		? await createPostgresDatabase()
		: `file:${path.join(dataDir, 'parley.db')}`;
if (TEST_DB === 'postgres') writeFileSync(path.join(dataDir, 'database-url'), url);
let server: TestServer | undefined;

afterAll(async () => {
	await disposeServer(server);
	if (TEST_DB === 'postgres') await dropPostgresDatabase(url);
	rmSync(dataDir, { recursive: true, force: true });
});

/** The database as the Parley before the seq counter left it: every migration up to that one. */
async function migrateToBeforeTheCounter(): Promise<void> {
	const kind = parseDatabaseUrl(url).kind;
	const older = mkdtempSync(path.join(tmpdir(), 'parley-migrations-'));
	try {
		cpSync(migrationsDir(kind), older, { recursive: true });
		const counter = readdirSync(older).filter((name) => name.endsWith('_note_seq_counter'));
		expect(counter).toHaveLength(1);
		rmSync(path.join(older, counter[0]), { recursive: true });
		await applyMigrations(parseDatabaseUrl(url), older);
	} finally {
		rmSync(older, { recursive: true, force: true });
	}
}

/** Appends `text` to `doc` and returns the update it made. */
function typed(doc: Y.Doc, text: string): Buffer {
	const before = Y.encodeStateVector(doc);
	appendText(doc, text);
	return Buffer.from(Y.encodeStateAsUpdate(doc, before));
}

/** A note with a snapshot at `snapshotSeq` and the given log rows after it, written as before. */
async function oldNote(db: TestDb, id: string, snapshotSeq: number, tail: string[]) {
	const doc = new Y.Doc();
	appendText(doc, 'old');
	await db.run('INSERT INTO "Note" ("id", "ownerId") VALUES (?, ?)', id, 'old-owner');
	await db.run(
		'INSERT INTO "NoteSnapshot" ("noteId", "state", "seq", "updatedAt") VALUES (?, ?, ?, ?)',
		id,
		Buffer.from(Y.encodeStateAsUpdate(doc)),
		snapshotSeq,
		dbDate(new Date())
	);
	for (const [i, text] of tail.entries()) {
		await db.run(
			'INSERT INTO "NoteUpdate" ("noteId", "seq", "data") VALUES (?, ?, ?)',
			id,
			snapshotSeq + 1 + i,
			typed(doc, text)
		);
	}
	return content(doc);
}

it('an upgraded database keeps every note and continues each note’s seqs after its history', async () => {
	await migrateToBeforeTheCounter();
	const db = await openTestDb(url);
	let logged: string;
	try {
		await db.run(
			'INSERT INTO "User" ("id", "email", "displayName", "passwordHash", "updatedAt") VALUES (?, ?, ?, ?, ?)',
			'old-owner',
			'old@upgrade.test',
			'Old',
			'-',
			dbDate(new Date())
		);
		logged = await oldNote(db, 'logged', 3, [' one', ' two', ' three']);
		await oldNote(db, 'compacted', 5, []);
		await oldNote(db, 'untouched', 0, []);
		await db.run(
			'INSERT INTO "NoteShare" ("noteId", "userId", "role") VALUES (?, ?, ?)',
			'logged',
			'old-owner',
			'viewer'
		);
	} finally {
		await db.close();
	}

	server = await startServer({ dataDir, env: NOTE_TEST_LIMITS });
	const backfill = server.logs.find((l) => l.msg === 'set note seq counters from their history');
	expect(backfill?.notes).toBe(2);
	const after = await openTestDb(url);
	try {
		const counters = await after.all<{ id: string; lastSeq: number }>(
			'SELECT "id", "lastSeq" FROM "Note" ORDER BY "id"'
		);
		expect(counters.map((n) => [n.id, Number(n.lastSeq)])).toEqual([
			['compacted', 5],
			['logged', 6],
			['untouched', 0]
		]);
		// Changing the Note table (SQLite copies it) cascaded into none of the rows pointing at it.
		const kept = await after.get<{ updates: number; snapshots: number; shares: number }>(
			`SELECT (SELECT COUNT(*) FROM "NoteUpdate") AS "updates",
				(SELECT COUNT(*) FROM "NoteSnapshot") AS "snapshots",
				(SELECT COUNT(*) FROM "NoteShare") AS "shares"`
		);
		expect(kept && Object.values(kept).map(Number)).toEqual([3, 3, 1]);

		const ana = await newUser(server.url, 'Ana');
		await after.run('UPDATE "Note" SET "ownerId" = ? WHERE "id" = ?', ana.id, 'logged');
		const client = new RawNoteClient(ana.socket, 'logged');
		expect((await client.join()).ok).toBe(true);
		expect(content(client.doc)).toBe(logged);
		expect((await client.edit((doc) => appendText(doc, ' four'))).ok).toBe(true);
		client.close();
		ana.socket.disconnect();
		const seqs = await after.all<{ seq: number }>(
			'SELECT "seq" FROM "NoteUpdate" WHERE "noteId" = ? ORDER BY "seq"',
			'logged'
		);
		expect(seqs.map((r) => Number(r.seq))).toEqual([4, 5, 6, 7]);
		const note = await after.get<{ lastSeq: number }>(
			'SELECT "lastSeq" FROM "Note" WHERE "id" = ?',
			'logged'
		);
		expect(Number(note?.lastSeq)).toBe(7);
	} finally {
		await after.close();
	}
});
