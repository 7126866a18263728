import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SqlDb } from '../../db/adapter-sql.ts';
import type { Db } from '../../db/client.ts';
import { createLogger } from '../../logger.ts';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { addNote, addUser, loadNote, notesTestDb } from '../../../../../tests/helpers/notes-db.ts';
import { RepairOnLoad } from './repair.ts';
import type { NoteLogReader } from '../log-reader.ts';

let db: Db;
let sql: SqlDb;
let log: NoteLogReader;
let close: () => Promise<void>;
let user: PublicUser;
const hook = new RepairOnLoad(createLogger('silent'));

beforeAll(async () => {
	({ db, sql, log, close } = await notesTestDb());
	user = await addUser(db, 'Owner');
});
afterAll(() => close());

describe('onLoadDocument (RepairOnLoad)', () => {
	it('coerces or drops attributes that do not fit the schema, and marks the note dirty', async () => {
		const note = await loadNote({ db, sql }, log, await addNote(db, user));
		const fragment = note.doc.getXmlFragment(NOTE_FIELD);
		note.doc.transact(() => {
			const heading = new Y.XmlElement('heading');
			fragment.insert(fragment.length, [heading]);
			heading.setAttribute('level', '3' as never);
			heading.setAttribute('onclick', 'alert(1)');
			const list = new Y.XmlElement('taskItem');
			fragment.insert(fragment.length, [list]);
			list.setAttribute('checked', { yes: true } as never);
			const paragraph = new Y.XmlElement('paragraph');
			fragment.insert(fragment.length, [paragraph]);
			const text = new Y.XmlText();
			paragraph.insert(0, [text]);
			text.insert(0, 'a link and bold');
			text.format(2, 4, { link: { href: 5 } });
			text.format(11, 4, { bold: {} });
		});
		await hook.onLoadDocument({ note });
		const [heading, item, paragraph] = fragment.toArray().slice(-3) as Y.XmlElement[];
		expect(heading.getAttributes()).toEqual({ level: 3 });
		expect(item.getAttributes()).toEqual({});
		const delta = (paragraph.get(0) as Y.XmlText).toDelta() as {
			insert: string;
			attributes?: Record<string, unknown>;
		}[];
		expect(delta.map((op) => op.insert).join('')).toBe('a link and bold');
		expect(delta.filter((op) => op.attributes?.link)).toEqual([]);
		expect(delta.at(-1)).toEqual({ insert: 'bold', attributes: { bold: {} } });
		expect(note.dirty).toBe(true);
	});

	it('leaves a note that fits alone', async () => {
		const note = await loadNote({ db, sql }, log, await addNote(db, user));
		const before = Y.encodeStateVector(note.doc);
		await hook.onLoadDocument({ note });
		expect(Y.encodeStateVector(note.doc)).toEqual(before);
		expect(note.dirty).toBe(false);
	});
});
