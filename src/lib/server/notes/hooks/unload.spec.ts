import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SqlDb } from '../../db/adapter-sql.ts';
import type { Db } from '../../db/client.ts';
import { createLogger } from '../../logger.ts';
import { Compactor } from '../compaction.ts';
import type { LoadedNote } from '../loaded-note.ts';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
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
import { CompactOnUnload } from './unload.ts';
import type { NoteLogReader } from '../log-reader.ts';

let db: Db;
let sql: SqlDb;
let log: NoteLogReader;
let close: () => Promise<void>;
let ana: PublicUser;
let compactor: Compactor;
let store: StoreInDatabase;
let hook: CompactOnUnload;
const previews: string[] = [];

beforeAll(async () => {
	({ db, sql, log, close } = await notesTestDb());
	ana = await addUser(db, 'Ana');
	compactor = new Compactor({
		db,
		log: createLogger('silent'),
		compactAfterUpdates: 1e6,
		onPreview: (_id, preview) => previews.push(preview)
	});
	store = new StoreInDatabase(sql, compactor);
	hook = new CompactOnUnload(compactor);
});
afterAll(() => close());

/** When the updates `write` stores were made. */
const edited = new Date('2026-11-30T12:00:00.000Z');

/** Types into the live document and stores the update like the manager would. */
async function write(note: LoadedNote, text: string): Promise<void> {
	const update = change(note.doc, (d) => {
		const paragraph = d.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement;
		if (!(paragraph.get(0) instanceof Y.XmlText)) paragraph.insert(0, [new Y.XmlText()]);
		const node = paragraph.get(0) as Y.XmlText;
		node.insert(node.length, text);
	});
	await store.onStoreDocument({ note, updates: [stored(update, ana.id, edited)] });
}

async function reload(noteId: string): Promise<string> {
	const again = await loadNote({ db, sql }, log, noteId);
	try {
		return again.doc.getXmlFragment(NOTE_FIELD).toString();
	} finally {
		again.destroy();
	}
}

describe('onUnloadDocument (CompactOnUnload)', () => {
	it('folds the remaining log into the snapshot and writes the preview', async () => {
		const note = await loadNote({ db, sql }, log, await addNote(db, ana));
		for (const word of ['Hello ', 'there, ', 'world.']) await write(note, word);
		const expected = note.doc.getXmlFragment(NOTE_FIELD).toString();
		expect(await db.noteUpdate.count({ where: { noteId: note.id } })).toBe(3);

		await hook.onUnloadDocument({ note });
		expect(await db.noteUpdate.count({ where: { noteId: note.id } })).toBe(0);
		const snapshot = await db.noteSnapshot.findUniqueOrThrow({ where: { noteId: note.id } });
		expect(snapshot.seq).toBe(3);
		expect(note).toMatchObject({ tailCount: 0, tailBytes: 0, snapshotSeq: 3 });
		expect(await reload(note.id)).toBe(expected);
		const row = await db.note.findUniqueOrThrow({ where: { id: note.id } });
		expect(row.preview).toBe('Hello there, world.');
		expect(row.updatedAt).toEqual(edited);
		expect(previews.at(-1)).toBe('Hello there, world.');
		note.destroy();
	});

	it('leaves the snapshot alone when nothing is logged, unless a store failed', async () => {
		const note = await loadNote({ db, sql }, log, await addNote(db, ana));
		const before = await db.noteSnapshot.findUniqueOrThrow({ where: { noteId: note.id } });
		await hook.onUnloadDocument({ note });
		const after = await db.noteSnapshot.findUniqueOrThrow({ where: { noteId: note.id } });
		expect(after.updatedAt).toEqual(before.updatedAt);

		// An update applied in memory whose store failed: the unload writes the whole state.
		change(note.doc, (d) => d.getXmlFragment(NOTE_FIELD).push([new Y.XmlElement('heading')]));
		note.dirty = true;
		await hook.onUnloadDocument({ note });
		expect(note.dirty).toBe(false);
		expect(await reload(note.id)).toContain('<heading>');
		note.destroy();
	});
});
