import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SqlDb } from '../../db/adapter-sql.ts';
import type { Db } from '../../db/client.ts';
import { createLogger } from '../../logger.ts';
import { storable } from '../bytes.ts';
import { Compactor } from '../compaction.ts';
import type { LoadedNote } from '../loaded-note.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import {
	addNote,
	addUser,
	change,
	loadNote,
	notesTestDb,
	stored
} from '../../../../../tests/helpers/notes-db.ts';
import { StoreInDatabase } from './store.ts';
import type { NoteLogReader } from '../log-reader.ts';

let db: Db;
let sql: SqlDb;
let log: NoteLogReader;
let close: () => Promise<void>;
let ana: PublicUser;
let bo: PublicUser;
let hook: StoreInDatabase;
const notes: LoadedNote[] = [];

beforeAll(async () => {
	({ db, sql, log, close } = await notesTestDb());
	[ana, bo] = [await addUser(db, 'Ana'), await addUser(db, 'Bo')];
	// A compactor whose threshold is never reached: this spec is about appending.
	hook = new StoreInDatabase(
		sql,
		new Compactor({ db, log: createLogger('silent'), compactAfterUpdates: 1e6 })
	);
});
afterAll(async () => {
	for (const note of notes) note.destroy();
	await close();
});

async function fresh(): Promise<LoadedNote> {
	const note = await loadNote({ db, sql }, log, await addNote(db, ana));
	notes.push(note);
	return note;
}

const edit = (doc: Y.Doc, text: string) =>
	change(doc, (d) => d.getXmlFragment('default').push([new Y.XmlText(text)]));

async function activity(noteId: string) {
	return db.noteActivity.findMany({
		where: { noteId },
		select: { userId: true, day: true, edits: true },
		orderBy: [{ day: 'asc' }, { userId: 'asc' }]
	});
}

describe('onStoreDocument (StoreInDatabase)', () => {
	it('appends a batch with its seqs and counts the edits per user and UTC day, in one go', async () => {
		const note = await fresh();
		const doc = new Y.Doc();
		const at = new Date('2026-11-27T23:59:59.000Z');
		const updates = [
			stored(edit(doc, 'a'), ana.id, at),
			stored(edit(doc, 'b'), bo.id, at),
			stored(edit(doc, 'c'), ana.id, at),
			stored(edit(doc, 'd'), null, at)
		];
		await hook.onStoreDocument({ note, updates });

		const rows = await db.noteUpdate.findMany({
			where: { noteId: note.id },
			orderBy: { seq: 'asc' }
		});
		expect(rows.map((r) => [r.seq, r.userId])).toEqual([
			[1, ana.id],
			[2, bo.id],
			[3, ana.id],
			[4, null]
		]);
		expect(rows.map((r) => Array.from(r.data))).toEqual(updates.map((u) => Array.from(u.data)));
		expect(await activity(note.id)).toEqual(
			[
				{ userId: ana.id, day: '2026-11-27', edits: 2 },
				{ userId: bo.id, day: '2026-11-27', edits: 1 }
			].sort((a, b) => a.userId.localeCompare(b.userId))
		);
		// The append moves the note's counter and its updatedAt in the same transaction.
		expect(await db.note.findUniqueOrThrow({ where: { id: note.id } })).toMatchObject({
			lastSeq: 4,
			updatedAt: at
		});
		expect(note).toMatchObject({
			storedSeq: 4,
			tailCount: 4,
			tailBytes: updates.reduce((n, u) => n + u.data.length, 0)
		});
	});

	it('adds to existing activity rows and starts a new one on the next UTC day', async () => {
		const note = await fresh();
		const doc = new Y.Doc();
		const day1 = new Date('2026-11-27T10:00:00.000Z');
		const day2 = new Date('2026-11-28T00:00:00.000Z');
		await hook.onStoreDocument({ note, updates: [stored(edit(doc, 'a'), ana.id, day1)] });
		await hook.onStoreDocument({
			note,
			updates: [stored(edit(doc, 'b'), ana.id, day1), stored(edit(doc, 'c'), ana.id, day2)]
		});
		expect(await activity(note.id)).toEqual([
			{ userId: ana.id, day: '2026-11-27', edits: 2 },
			{ userId: ana.id, day: '2026-11-28', edits: 1 }
		]);
	});

	it('numbers each batch after the last one', async () => {
		const note = await fresh();
		const doc = new Y.Doc();
		await hook.onStoreDocument({ note, updates: [stored(edit(doc, 'a'), ana.id)] });
		await hook.onStoreDocument({
			note,
			updates: [stored(edit(doc, 'b'), bo.id), stored(edit(doc, 'c'), ana.id)]
		});
		const rows = await db.noteUpdate.findMany({
			where: { noteId: note.id },
			orderBy: { seq: 'asc' }
		});
		expect(rows.map((r) => [r.seq, r.userId])).toEqual([
			[1, ana.id],
			[2, bo.id],
			[3, ana.id]
		]);
		expect(note.storedSeq).toBe(3);
	});

	it('keeps storedSeq below seqs another process appended, so compaction stops there', async () => {
		const note = await fresh();
		const doc = new Y.Doc();
		await hook.onStoreDocument({ note, updates: [stored(edit(doc, 'a'), ana.id)] });
		// Another process takes seqs 2 and 3 (rows this document never saw).
		const other = edit(new Y.Doc(), 'elsewhere');
		await db.note.update({ where: { id: note.id }, data: { lastSeq: { increment: 2 } } });
		await db.noteUpdate.createMany({
			data: [2, 3].map((seq) => ({ noteId: note.id, seq, data: storable(other) }))
		});
		await hook.onStoreDocument({ note, updates: [stored(edit(doc, 'b'), ana.id)] });
		const seqs = await db.noteUpdate.findMany({
			where: { noteId: note.id },
			select: { seq: true },
			orderBy: { seq: 'asc' }
		});
		expect(seqs.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
		expect(note.storedSeq).toBe(1);
	});

	it('stores nothing of a batch that fails, takes no seq, and marks the note for a full write', async () => {
		const note = await fresh();
		const doc = new Y.Doc();
		await hook.onStoreDocument({ note, updates: [stored(edit(doc, 'a'), ana.id)] });
		// A row already at seq 3 (a stray writer): the batch's second row collides with it, and the
		// whole transaction rolls back, the counter's bump with it.
		await db.noteUpdate.create({
			data: { noteId: note.id, seq: 3, data: storable(edit(new Y.Doc(), 'x')) }
		});
		const failing = hook.onStoreDocument({
			note,
			updates: [stored(edit(doc, 'b'), ana.id), stored(edit(doc, 'c'), ana.id)]
		});
		await expect(failing).rejects.toThrow();
		expect(await db.noteUpdate.count({ where: { noteId: note.id } })).toBe(2);
		expect((await db.note.findUniqueOrThrow({ where: { id: note.id } })).lastSeq).toBe(1);
		expect((await activity(note.id))[0].edits).toBe(1);
		expect(note.dirty).toBe(true);
		expect(note).toMatchObject({ tailCount: 1, storedSeq: 1 });
	});

	it('refuses a batch for a note that is gone', async () => {
		const note = await fresh();
		await db.note.delete({ where: { id: note.id } });
		const failing = hook.onStoreDocument({
			note,
			updates: [stored(edit(new Y.Doc(), 'a'), ana.id)]
		});
		await expect(failing).rejects.toThrow(/gone/);
		expect(await db.noteUpdate.count({ where: { noteId: note.id } })).toBe(0);
	});
});
