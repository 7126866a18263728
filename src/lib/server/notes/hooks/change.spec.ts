import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SqlDb } from '../../db/adapter-sql.ts';
import type { Db } from '../../db/client.ts';
import type { LoadedNote, NoteConnection } from '../loaded-note.ts';
import type { AppSocket } from '../../realtime/define.ts';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import type { NoteRole } from '#lib/shared/notes.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import {
	addNote,
	addUser,
	change,
	loadNote,
	notesTestDb
} from '../../../../../tests/helpers/notes-db.ts';
import { createLogger } from '../../logger.ts';
import {
	HARMLESS,
	hostileUpdates,
	nestedBlockquotes
} from '../../../../../tests/helpers/hostile-updates.ts';
import { ValidateChange } from './change.ts';
import type { NoteLogReader } from '../log-reader.ts';

let db: Db;
let sql: SqlDb;
let log: NoteLogReader;
let close: () => Promise<void>;
let user: PublicUser;
let note: LoadedNote;
const hook = new ValidateChange(
	{ maxUpdateBytes: 4096, maxDocumentBytes: 64 * 1024 },
	createLogger('silent')
);

beforeAll(async () => {
	({ db, sql, log, close } = await notesTestDb());
	user = await addUser(db, 'Writer');
	note = await loadNote({ db, sql }, log, await addNote(db, user));
});
afterAll(() => close());

function as(role: NoteRole): NoteConnection {
	return { socket: {} as AppSocket, user, role, clientIds: new Set() };
}

/** The error code the hook refuses `update` with, or null if it lets it through. */
function verdict(update: Uint8Array, role: NoteRole = 'editor'): string | null {
	try {
		// Small updates are checked in-process, synchronously.
		if (hook.onChange({ note, connection: as(role), update })) throw new Error('not in-process');
		return null;
	} catch (error) {
		return (error as { code: string }).code;
	}
}

/** A copy of the live document (a client that is in sync). */
function client(): Y.Doc {
	const doc = new Y.Doc();
	Y.applyUpdate(doc, Y.encodeStateAsUpdate(note.doc));
	return doc;
}

function type(doc: Y.Doc, text: string): void {
	const paragraph = doc.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement;
	if (!(paragraph.get(0) instanceof Y.XmlText)) paragraph.insert(0, [new Y.XmlText()]);
	const node = paragraph.get(0) as Y.XmlText;
	node.insert(node.length, text);
}

describe('onChange (ValidateChange)', () => {
	it('lets owners and editors through with a valid update, and refuses viewers', () => {
		const update = change(client(), (d) => type(d, 'hello'));
		expect(verdict(update, 'owner')).toBeNull();
		expect(verdict(update, 'editor')).toBeNull();
		expect(verdict(update, 'viewer')).toBe('read_only');
	});

	it('accepts empty updates and duplicates of what the document has', () => {
		expect(verdict(Y.encodeStateAsUpdate(client(), Y.encodeStateVector(note.doc)))).toBeNull();
		expect(verdict(Y.encodeStateAsUpdate(note.doc))).toBeNull();
	});

	it('refuses an update bigger than the limit, and one the document has no room for', () => {
		expect(verdict(change(client(), (d) => type(d, 'x'.repeat(5000))))).toBe('payload_too_large');
		const full = note.snapshotBytes;
		note.snapshotBytes = 64 * 1024 - 10;
		try {
			expect(verdict(change(client(), (d) => type(d, 'y'.repeat(20))))).toBe('document_too_large');
		} finally {
			note.snapshotBytes = full;
		}
	});

	it('refuses random bytes and every truncation of a valid update', () => {
		let seed = 42;
		const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 256;
		for (let i = 0; i < 2000; i++) {
			const bytes = Uint8Array.from({ length: 1 + (i % 64) }, rand);
			expect(['malformed_update', 'out_of_sync', null]).toContain(verdict(bytes));
			if (verdict(bytes) === null) {
				// The rare garbage that decodes must at least be a harmless, complete update.
				const copy = client();
				Y.applyUpdate(copy, bytes);
				expect(copy.store.pendingStructs).toBeNull();
			}
		}
		const doc = client();
		const update = change(doc, (d) => {
			type(d, 'some words to cut');
			const text = (d.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
			text.delete(0, 4);
		});
		for (let cut = 1; cut < update.length; cut++) {
			expect(verdict(update.slice(0, cut)), `cut at ${cut}`).toBe('malformed_update');
		}
	});

	it('refuses what a note never holds: other roots, unknown elements and marks, subdocuments', () => {
		expect(verdict(change(client(), (d) => d.getMap('settings').set('a', 1)))).toBe(
			'malformed_update'
		);
		expect(verdict(change(client(), (d) => d.getText('plain').insert(0, 'x')))).toBe(
			'malformed_update'
		);
		expect(
			verdict(
				change(client(), (d) => d.getXmlFragment(NOTE_FIELD).push([new Y.XmlElement('iframe')]))
			)
		).toBe('malformed_update');
		expect(
			verdict(
				change(client(), (d) => {
					type(d, 'abc');
					const text = (d.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
					text.format(0, 2, { onclick: 'x' });
				})
			)
		).toBe('malformed_update');
		expect(
			verdict(
				change(client(), (d) => {
					const element = d.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement;
					element.insert(0, [new Y.XmlElement('paragraph')]);
					// a Y.Map inside an element: not something TipTap writes
					element.setAttribute('data', new Y.Map() as unknown as string);
				})
			)
		).toBe('malformed_update');
		expect(
			verdict(
				change(client(), (d) => d.getXmlFragment(NOTE_FIELD).push([new Y.XmlElement('heading')]))
			)
		).toBeNull();
	});

	it('refuses every hand-made hostile update, in-process and in the worker', async () => {
		const roomy = new ValidateChange(
			{ maxUpdateBytes: 2 * 1_048_576, maxDocumentBytes: 16 * 1_048_576 },
			createLogger('silent')
		);
		const target = await loadNote({ db, sql }, log, await addNote(db, user));
		const doc = new Y.Doc();
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(target.doc));
		Y.applyUpdate(
			target.doc,
			change(doc, (d) => type(d, 'some text to anchor on'))
		);
		const code = async (update: Uint8Array) => {
			try {
				await roomy.onChange({ note: target, connection: as('editor'), update });
				return null;
			} catch (error) {
				return (error as { code: string }).code;
			}
		};
		try {
			for (const [name, update] of hostileUpdates(doc)) {
				const refusal = await code(update);
				if (HARMLESS.has(name)) expect(['malformed_update', null], name).toContain(refusal);
				else expect(['malformed_update', 'out_of_sync'], name).toContain(refusal);
			}
			// Large enough for the worker thread.
			expect(await code(nestedBlockquotes(5000, 4242))).toBe('malformed_update');
		} finally {
			roomy.onDestroy();
		}
	});

	it('answers out_of_sync when the update depends on changes the document lacks', () => {
		const ahead = client();
		type(ahead, 'first');
		const vector = Y.encodeStateVector(ahead);
		type(ahead, ' second');
		expect(verdict(Y.encodeStateAsUpdate(ahead, vector))).toBe('out_of_sync');
		// Deleting content the server never saw is the same.
		const deleting = client();
		type(deleting, 'gone');
		const before = Y.encodeStateVector(deleting);
		((deleting.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText).delete(0, 4);
		const onlyDelete = Y.encodeStateAsUpdate(deleting, before);
		expect(verdict(onlyDelete)).toBe('out_of_sync');
	});
});
