import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { ok, type TestUser } from './helpers/channels.ts';
import { withTestDb } from './helpers/database.ts';
import {
	appendText,
	content,
	NOTE_TEST_LIMITS,
	RawNoteClient,
	serverContent,
	until
} from './helpers/notes.ts';
import { sameSession } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

const ENV = {
	...NOTE_TEST_LIMITS,
	NOTE_COMPACT_AFTER_UPDATES: '25',
	NOTE_UNLOAD_AFTER_MS: '300'
};

let ana: TestUser;

const server = useParley({ env: ENV }, async (kit) => {
	ana = await kit.user('Ana');
});

function storage(noteId: string) {
	return withTestDb(server, async (db) => {
		const log = await db.get<{ n: number; last: number }>(
			'SELECT COUNT(*) AS n, COALESCE(MAX("seq"), 0) AS last FROM "NoteUpdate" WHERE "noteId" = ?',
			noteId
		);
		const snapshot = await db.get<{ state: Buffer; seq: number }>(
			'SELECT "state", "seq" FROM "NoteSnapshot" WHERE "noteId" = ?',
			noteId
		);
		if (!log || !snapshot) throw new Error(`note ${noteId} has no snapshot`);
		return { log, snapshot };
	});
}

/** The content a document stored in the database would show: snapshot plus log. */
function storedContent(noteId: string): Promise<string> {
	return withTestDb(server, async (db) => {
		const doc = new Y.Doc();
		const snapshot = await db.get<{ state: Buffer }>(
			'SELECT "state" FROM "NoteSnapshot" WHERE "noteId" = ?',
			noteId
		);
		if (!snapshot) throw new Error(`note ${noteId} has no snapshot`);
		Y.applyUpdate(doc, snapshot.state);
		const rows = await db.all<{ data: Buffer }>(
			'SELECT "data" FROM "NoteUpdate" WHERE "noteId" = ? ORDER BY "seq"',
			noteId
		);
		for (const row of rows) Y.applyUpdate(doc, row.data);
		return content(doc);
	});
}

it('compacts the update log in the background without changing the content', async () => {
	const noteId = (await ok(ana.socket, 'note:create', { title: 'Compact me' })).id;
	const client = new RawNoteClient(ana.socket, noteId);
	await client.join();
	for (let i = 0; i < 60; i++) {
		const result = await client.edit((doc) => {
			appendText(doc, `w${i} `);
			if (i % 7 === 6) {
				const text = (doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
				text.delete(0, 2);
			}
		});
		expect(result.ok).toBe(true);
	}
	const expected = content(client.doc);
	expect((await storage(noteId)).log.n).toBeGreaterThan(0);
	// The background pass runs ~2 s after the last store and folds the log into the snapshot.
	await until(async () => (await storage(noteId)).snapshot.seq >= 25, 'a compaction', 10_000);
	const { log, snapshot } = await storage(noteId);
	expect(log.n).toBeLessThan(25);
	expect(snapshot.seq).toBeGreaterThanOrEqual(25);
	expect(await storedContent(noteId)).toBe(expected);
	expect(await serverContent(ana.http, noteId)).toBe(expected);
	client.close();
});

it('unloads an idle note after NOTE_UNLOAD_AFTER_MS with a final compaction, and reloads it intact', async () => {
	const noteId = (await ok(ana.socket, 'note:create', { title: 'Idle' })).id;
	const client = new RawNoteClient(ana.socket, noteId);
	await client.join();
	for (let i = 0; i < 10; i++) await client.edit((doc) => appendText(doc, `idle${i} `));
	const expected = content(client.doc);
	expect((await storage(noteId)).log.n).toBe(10);

	await ok(ana.socket, 'note:leave', { noteId });
	await until(
		() => server.logs.some((l) => l.msg === 'note unloaded' && l.noteId === noteId),
		'the note to unload'
	);
	const { log, snapshot } = await storage(noteId);
	expect(log.n).toBe(0);
	expect(snapshot.seq).toBe(10);
	expect(await storedContent(noteId)).toBe(expected);

	const loads = () => server.logs.filter((l) => l.msg === 'note loaded' && l.noteId === noteId);
	expect(loads()).toHaveLength(1);
	expect(await serverContent(ana.http, noteId)).toBe(expected);
	// The server's log line can reach this process after the HTTP answer does.
	await until(() => loads().length >= 2, 'the reload to be logged');
	expect(loads()).toHaveLength(2);
	expect(loads()[1]).toMatchObject({ updates: 0 });
	client.close();
});

it('loads a note from its snapshot plus the log tail after a crash', async () => {
	const noteId = (await ok(ana.socket, 'note:create', { title: 'Tail' })).id;
	const client = new RawNoteClient(ana.socket, noteId);
	await client.join();
	for (let i = 0; i < 40; i++) await client.edit((doc) => appendText(doc, `t${i} `));
	await until(async () => (await storage(noteId)).snapshot.seq >= 25, 'a compaction', 10_000);
	for (let i = 40; i < 50; i++) await client.edit((doc) => appendText(doc, `t${i} `));
	const expected = content(client.doc);
	const before = await storage(noteId);
	expect(before.log.n).toBeGreaterThan(0);
	expect(before.snapshot.seq).toBeGreaterThan(0);

	ana.socket.disconnect();
	await server.kill();
	await server.restart();
	const http = sameSession(ana.http, server.url);
	expect(await serverContent(http, noteId)).toBe(expected);
	const loaded = server.logs.find((l) => l.msg === 'note loaded' && l.noteId === noteId);
	expect(loaded?.updates).toBe(before.log.n);
	ana = { ...ana, http, socket: http.socket() };
	await until(() => ana.socket.connected, 'reconnect');
});
