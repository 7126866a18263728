/**
 * The note editor's document schema, as TipTap extensions. The browser's editor adds collaboration
 * on top; the server builds the same ProseMirror schema from this list to validate updates and to
 * render notes as Markdown, HTML and plain text. Change it in one place only: here.
 */
import { getSchema, type Extensions } from '@tiptap/core';
import { CodeBlockLowlight } from '@tiptap/extension-code-block-lowlight';
import { TaskItem } from '@tiptap/extension-task-item';
import { TaskList } from '@tiptap/extension-task-list';
import type { Schema } from '@tiptap/pm/model';
import StarterKit from '@tiptap/starter-kit';
import { createLowlight } from 'lowlight';

/** The Yjs XmlFragment that holds a note's content (TipTap's Collaboration default). */
export const NOTE_FIELD = 'default';

type Lowlight = ReturnType<typeof createLowlight>;

/**
 * The extensions that define a note's schema. Pass a lowlight with grammars to highlight code in
 * the browser; the schema does not depend on it, so the server uses an empty one.
 */
export function noteExtensions(lowlight: Lowlight = createLowlight()): Extensions {
	return [
		StarterKit.configure({
			// Collaboration brings its own undo history.
			undoRedo: false,
			// Replaced by the highlighting code block below.
			codeBlock: false,
			// Markdown has no underline; keep exports faithful.
			underline: false,
			// It appends a paragraph on open, which would make every client write to the note.
			trailingNode: false,
			link: {
				openOnClick: false,
				autolink: true,
				defaultProtocol: 'https',
				protocols: ['http', 'https', 'mailto']
			},
			heading: { levels: [1, 2, 3] }
		}),
		TaskList,
		TaskItem.configure({ nested: true }),
		CodeBlockLowlight.configure({ lowlight, defaultLanguage: null })
	];
}

let schema: Schema | undefined;

/** The ProseMirror schema of notes (built once). */
export function noteSchema(): Schema {
	schema ??= getSchema(noteExtensions());
	return schema;
}
