import * as v from 'valibot';
import { NOTE_TITLE_MAX } from '../notes.ts';
import { id } from './channels.ts';

/** Binary payloads arrive as Buffer (a Uint8Array) on the server; sizes are checked by the service. */
const bytes = v.custom<Uint8Array>((input) => input instanceof Uint8Array, 'Expected binary data.');

export const noteTitle = v.pipe(
	v.string('Give the note a title.'),
	v.trim(),
	v.maxLength(NOTE_TITLE_MAX, `Use at most ${NOTE_TITLE_MAX} characters.`)
);
export const shareRole = v.picklist(['viewer', 'editor'], 'A role is "viewer" or "editor".');

export const noteRef = v.object({ noteId: id });
export const listNotesSchema = v.object({
	/** Only notes whose title contains this (case-insensitive). */
	query: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200)), ''),
	/** Your notes in the trash instead of your notes and those shared with you. */
	trash: v.optional(v.boolean(), false)
});
export const createNoteSchema = v.object({ title: v.optional(noteTitle, '') });
export const renameNoteSchema = v.object({ noteId: id, title: noteTitle });
export const shareNoteSchema = v.object({ noteId: id, userId: id, role: shareRole });
export const unshareNoteSchema = v.object({ noteId: id, userId: id });
export const workspaceAccessSchema = v.object({ noteId: id, role: v.nullable(shareRole) });

export const noteJoinSchema = v.object({ noteId: id, message: bytes });
export const noteSyncSchema = v.object({ noteId: id, message: bytes });
export const noteAwarenessSchema = v.object({ noteId: id, update: bytes });
