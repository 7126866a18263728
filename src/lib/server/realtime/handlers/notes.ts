import { defineHandlers } from '../define.ts';

/** Notes: lists, trash and sharing call the NoteService; sync goes to the DocumentManager. */
export const noteHandlers = defineHandlers({
	'notes:list': async ({ app, user }, input) => ({
		notes: await app.notes.list(await user(), input)
	}),
	'note:create': async ({ app, user }, input) => app.notes.create(await user(), input),
	'note:rename': async ({ app, user }, input) => app.notes.rename(await user(), input),
	'note:delete': async ({ app, user }, { noteId }) => app.notes.trash(await user(), noteId),
	'note:restore': async ({ app, user }, { noteId }) => app.notes.restore(await user(), noteId),
	'note:sharing': async ({ app, user }, { noteId }) => app.notes.sharing(await user(), noteId),
	'note:share': async ({ app, user }, input) => app.notes.share(await user(), input),
	'note:unshare': async ({ app, user }, input) => app.notes.unshare(await user(), input),
	'note:workspace': async ({ app, user }, input) => app.notes.setWorkspaceRole(await user(), input),

	'note:join': async ({ app, user, socket }, input) => app.notes.join(socket, await user(), input),
	'note:leave': async ({ app, socket }, { noteId }) => {
		app.noteDocuments.leave(socket, noteId);
		return {};
	},
	// The hot path: no database read per message; access was checked on join and is re-checked
	// by the manager whenever it changes.
	'note:sync': async ({ app, socket }, { noteId, message }) =>
		app.noteDocuments.sync(socket, noteId, message),
	'note:awareness': async ({ app, socket }, { noteId, update }) => {
		app.noteDocuments.awareness(socket, noteId, update);
		return {};
	}
});

/** Events with their own rate budget (NOTE_SYNC_EVENTS_PER_SECOND): typing sends many. */
export const noteSyncEvents: ReadonlySet<string> = new Set(['note:sync', 'note:awareness']);
