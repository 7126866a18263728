import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SqlDb } from '../../db/adapter-sql.ts';
import type { Db } from '../../db/client.ts';
import { storable } from '../bytes.ts';
import { LoadedNote } from '../loaded-note.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import { addNote, addUser, change, notesTestDb } from '../../../../../tests/helpers/notes-db.ts';
import type { NoteLogReader } from '../log-reader.ts';
import { LoadFromDatabase } from './load.ts';

let db: Db;
let sql: SqlDb;
let log: NoteLogReader;
let close: () => Promise<void>;
let owner: PublicUser;

beforeAll(async () => {
	({ db, sql, log, close } = await notesTestDb());
	owner = await addUser(db, 'Owner');
});
afterAll(() => close());

function blank(id: string): LoadedNote {
	return new LoadedNote(id, async () => {});
}

function paragraph(doc: Y.Doc, text: string): void {
	const p = new Y.XmlElement('paragraph');
	const t = new Y.XmlText();
	t.insert(0, text);
	p.insert(0, [t]);
	doc.getXmlFragment(NOTE_FIELD).push([p]);
}

describe('onLoadDocument (LoadFromDatabase)', () => {
	it('applies the snapshot, then only the updates logged after it, in seq order', async () => {
		const noteId = await addNote(db, owner);
		const writer = new Y.Doc();
		const snapshot = change(writer, (d) => paragraph(d, 'in the snapshot'));
		const tail = [1, 2, 3].map((i) => change(writer, (d) => paragraph(d, `tail ${i}`)));
		const stale = change(new Y.Doc(), (d) => paragraph(d, 'folded already'));
		await db.noteSnapshot.update({
			where: { noteId },
			data: { state: storable(snapshot), seq: 5 }
		});
		await db.noteUpdate.createMany({
			data: [
				{ noteId, seq: 5, data: storable(stale) },
				// Out of insertion order on purpose: the hook orders by seq.
				{ noteId, seq: 8, data: storable(tail[2]) },
				{ noteId, seq: 6, data: storable(tail[0]) },
				{ noteId, seq: 7, data: storable(tail[1]) }
			]
		});

		const note = blank(noteId);
		await new LoadFromDatabase(db, sql, log).onLoadDocument({ note });
		expect(note.doc.getXmlFragment(NOTE_FIELD).toString()).toBe(
			writer.getXmlFragment(NOTE_FIELD).toString()
		);
		expect(note.doc.getXmlFragment(NOTE_FIELD).toString()).not.toContain('folded already');
		expect(note.doc.store.pendingStructs).toBeNull();
		expect(note).toMatchObject({
			snapshotSeq: 5,
			storedSeq: 8,
			tailCount: 3,
			snapshotBytes: snapshot.length,
			tailBytes: tail.reduce((n, u) => n + u.length, 0)
		});
	});

	it('moves a seq counter that is behind the history up to it, and never down', async () => {
		const behind = await addNote(db, owner);
		await db.noteSnapshot.update({ where: { noteId: behind }, data: { seq: 4 } });
		await db.noteUpdate.create({
			data: { noteId: behind, seq: 6, data: storable(new Uint8Array([0, 0])) }
		});
		const ahead = await addNote(db, owner);
		await db.note.update({ where: { id: ahead }, data: { lastSeq: 9 } });
		await db.noteSnapshot.update({ where: { noteId: ahead }, data: { seq: 3 } });
		for (const id of [behind, ahead]) {
			const note = blank(id);
			await new LoadFromDatabase(db, sql, log).onLoadDocument({ note });
			note.destroy();
		}
		const counters = await db.note.findMany({
			where: { id: { in: [behind, ahead] } },
			select: { id: true, lastSeq: true }
		});
		expect(Object.fromEntries(counters.map((n) => [n.id, n.lastSeq]))).toEqual({
			[behind]: 6,
			[ahead]: 9
		});
	});

	it('reads updates committed just before, each as its own bytes', async () => {
		const noteId = await addNote(db, owner);
		const base = await log.read(noteId);
		const writer = new Y.Doc();
		if (base.snapshot) Y.applyUpdate(writer, base.snapshot.state);
		const tail = [1, 2, 3].map((i) => change(writer, (d) => paragraph(d, `line ${i}`)));
		await db.noteUpdate.createMany({
			data: tail.map((data, i) => ({ noteId, seq: i + 1, data: storable(data) }))
		});
		const read = await log.read(noteId);
		expect(read.snapshot?.seq).toBe(0);
		expect(read.tail.map((u) => u.seq)).toEqual([1, 2, 3]);
		for (const [i, update] of read.tail.entries()) {
			expect(update.data).toBeInstanceOf(Uint8Array);
			expect(Buffer.from(update.data).equals(Buffer.from(tail[i]))).toBe(true);
		}
		const note = blank(noteId);
		await new LoadFromDatabase(db, sql, log).onLoadDocument({ note });
		expect(note.doc.getXmlFragment(NOTE_FIELD).toString()).toBe(
			writer.getXmlFragment(NOTE_FIELD).toString()
		);
	});

	it('seeds a note with no stored state, and stores the seed as its snapshot', async () => {
		const bare = await db.note.create({ data: { ownerId: owner.id } });
		const note = blank(bare.id);
		await new LoadFromDatabase(db, sql, log).onLoadDocument({ note });
		expect(note.doc.getXmlFragment(NOTE_FIELD).toString()).toBe('<paragraph></paragraph>');
		const row = await db.noteSnapshot.findUniqueOrThrow({ where: { noteId: bare.id } });
		expect(row.seq).toBe(0);
		const again = new Y.Doc();
		Y.applyUpdate(again, row.state);
		expect(again.getXmlFragment(NOTE_FIELD).toString()).toBe('<paragraph></paragraph>');
	});

	it('loads a log of 10,000 small updates in one pass', async () => {
		const noteId = await addNote(db, owner);
		const base = await db.noteSnapshot.findUniqueOrThrow({ where: { noteId } });
		const writer = new Y.Doc();
		Y.applyUpdate(writer, base.state);
		const text = new Y.XmlText();
		const updates = [
			change(writer, () =>
				(writer.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement).insert(0, [text])
			)
		];
		for (let i = 1; i < 10_000; i++) {
			updates.push(change(writer, () => text.insert(text.length, 'x')));
		}
		await db.noteUpdate.createMany({
			data: updates.map((data, i) => ({ noteId, seq: i + 1, data: storable(data) }))
		});
		// The event loop keeps turning while the log is read: on SQLite in a worker thread.
		let turns = 0;
		let counting = true;
		const turn = () => {
			turns += 1;
			if (counting) setImmediate(turn);
		};
		setImmediate(turn);
		const read = await log.read(noteId);
		counting = false;
		expect(read.tail).toHaveLength(10_000);
		expect(turns).toBeGreaterThan(0);

		const note = blank(noteId);
		const started = performance.now();
		await new LoadFromDatabase(db, sql, log).onLoadDocument({ note });
		const ms = performance.now() - started;
		expect(note.doc.getXmlFragment(NOTE_FIELD).toString()).toBe(
			`<paragraph>${'x'.repeat(9_999)}</paragraph>`
		);
		expect(note.tailCount).toBe(10_000);
		// Generous for a shared CI box; bench:notes measures it properly.
		expect(ms).toBeLessThan(2000);
	});
});
