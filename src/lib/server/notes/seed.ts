import { prosemirrorToYXmlFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { NOTE_FIELD, noteSchema } from '#lib/shared/editor-schema.ts';

/**
 * The document a new note starts with: one empty paragraph, written by the server. Clients never
 * seed a note, so an empty or stale client can never race another one to create its content.
 */
export function seedState(): Uint8Array {
	const schema = noteSchema();
	const doc = new Y.Doc();
	try {
		const root = schema.node('doc', null, [schema.node('paragraph')]);
		prosemirrorToYXmlFragment(root, doc.getXmlFragment(NOTE_FIELD));
		return Y.encodeStateAsUpdate(doc);
	} finally {
		doc.destroy();
	}
}
