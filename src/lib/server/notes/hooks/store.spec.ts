import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Db } from '../../db/client.ts';
import { createLogger } from '../../logger.ts';
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
let log: NoteLogReader;
let close: () => Promise<void>;
let ana: PublicUser;
let bo: PublicUser;
let hook: StoreInDatabase;
const notes: LoadedNote[] = [];

beforeAll(async () => {
	({ db, log, close } = await notesTestDb());
	[ana, bo] = [await addUser(db, 'Ana'), await addUser(db, 'Bo')];
	// A compactor whose threshold is never reached: this spec is about appending.
	hook = new StoreInDatabase(
		db,
		new Compactor({ db, log: createLogger('silent'), compactAfterUpdates: 1e6 })
	);
});
afterAll(async () => {
	for (const note of notes) note.destroy();
	await close();
});

async function fresh(): Promise<LoadedNote> {
	const note = await loadNote(db, log, await addNote(db, ana));
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
			stored(1, edit(doc, 'a'), ana.id, at),
			stored(2, edit(doc, 'b'), bo.id, at),
			stored(3, edit(doc, 'c'), ana.id, at),
			stored(4, edit(doc, 'd'), null, at)
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
		// The note's updatedAt follows in the background upkeep (see unload.spec.ts).
		expect(note.editedAt).toEqual(at);
		expect(note).toMatchObject({
			tailCount: 4,
			tailBytes: updates.reduce((n, u) => n + u.data.length, 0)
		});
	});

	it('adds to existing activity rows and starts a new one on the next UTC day', async () => {
		const note = await fresh();
		const doc = new Y.Doc();
		const day1 = new Date('2026-11-27T10:00:00.000Z');
		const day2 = new Date('2026-11-28T00:00:00.000Z');
		await hook.onStoreDocument({ note, updates: [stored(1, edit(doc, 'a'), ana.id, day1)] });
		await hook.onStoreDocument({
			note,
			updates: [stored(2, edit(doc, 'b'), ana.id, day1), stored(3, edit(doc, 'c'), ana.id, day2)]
		});
		expect(await activity(note.id)).toEqual([
			{ userId: ana.id, day: '2026-11-27', edits: 2 },
			{ userId: ana.id, day: '2026-11-28', edits: 1 }
		]);
	});

	it('stores nothing of a batch that fails, and marks the note for a full write', async () => {
		const note = await fresh();
		const doc = new Y.Doc();
		await hook.onStoreDocument({ note, updates: [stored(1, edit(doc, 'a'), ana.id)] });
		const failing = hook.onStoreDocument({
			note,
			// seq 1 again: the primary key refuses it, and the whole transaction rolls back.
			updates: [stored(2, edit(doc, 'b'), ana.id), stored(1, edit(doc, 'c'), ana.id)]
		});
		await expect(failing).rejects.toThrow();
		expect(await db.noteUpdate.count({ where: { noteId: note.id } })).toBe(1);
		expect((await activity(note.id))[0].edits).toBe(1);
		expect(note.dirty).toBe(true);
		expect(note.tailCount).toBe(1);
	});
});
