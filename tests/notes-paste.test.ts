import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import type { TestUser } from './helpers/channels.ts';
import {
	content,
	openProvider,
	RawNoteClient,
	saved,
	serverContent,
	sharedNote,
	until
} from './helpers/notes.ts';
import { useParley } from './helpers/kit.ts';
let ana: TestUser;
let bo: TestUser;

// Default limits on purpose: the defaults must carry a 1 MB paste.
useParley({}, async (kit) => {
	[ana, bo] = await kit.users('Ana', 'Bo');
});

/** Pastes `bytes` of text as paragraphs, in one transaction, like ProseMirror's paste. */
function paste(doc: Y.Doc, bytes: number): void {
	const line = 'The quick brown fox jumps over the lazy dog, again and again and again. ';
	const paragraphs: Y.XmlElement[] = [];
	for (let size = 0; size < bytes; size += line.length * 6) {
		const paragraph = new Y.XmlElement('paragraph');
		const text = new Y.XmlText();
		text.insert(0, line.repeat(6));
		paragraph.insert(0, [text]);
		paragraphs.push(paragraph);
	}
	doc.transact(() => doc.getXmlFragment(NOTE_FIELD).insert(1, paragraphs));
}

it('a 1 MB paste goes through on the default limits without dropping the connection', async () => {
	const noteId = await sharedNote(ana, [{ user: bo }]);
	const writer = await openProvider(ana.socket, noteId);
	const reader = await openProvider(bo.socket, noteId);
	let drops = 0;
	ana.socket.on('disconnect', () => drops++);

	paste(writer.doc, 1_000_000);
	await saved(writer, 30_000);
	expect(writer.error).toBeNull();
	await until(() => content(reader.doc) === content(writer.doc), 'the paste to reach Bo', 30_000);
	expect(content(writer.doc).length).toBeGreaterThan(1_000_000);
	expect(drops).toBe(0);
	expect(ana.socket.connected).toBe(true);
	expect(await serverContent(ana.http, noteId)).toBe(content(writer.doc));
	writer.destroy();
	reader.destroy();
});

it('a change over NOTE_MAX_UPDATE_BYTES is refused with an error ack, still connected', async () => {
	const noteId = await sharedNote(ana, [{ user: bo }]);
	const client = new RawNoteClient(ana.socket, noteId);
	await client.join();
	// 3 MB: under the 4 MiB socket payload limit, over the 2 MiB update limit.
	const result = await client.edit((doc) => paste(doc, 3_000_000));
	expect(result).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
	expect(ana.socket.connected).toBe(true);
	expect(await serverContent(ana.http, noteId)).toBe('<paragraph></paragraph>');

	// The browser's provider does not even try: it knows the limit from the join.
	const provider = await openProvider(bo.socket, noteId);
	paste(provider.doc, 3_000_000);
	await until(() => provider.error !== null, 'the provider to refuse');
	expect(provider.error?.code).toBe('payload_too_large');
	expect(provider.status).toBe('error');
	expect(bo.socket.connected).toBe(true);
	provider.destroy();
	client.close();
});
