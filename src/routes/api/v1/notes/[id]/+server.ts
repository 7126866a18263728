import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { noteTitle } from '#lib/shared/schemas/notes.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, params }) =>
	json(await locals.app.notes.get(requireUser(locals), params.id))
);

/** Renames a note (owner or editor). */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireUser(locals);
	const { title } = await readJson(request, v.object({ title: noteTitle }));
	return json(await locals.app.notes.rename(user, { noteId: params.id, title }));
});

/** Moves a note to the trash (owner only); restore it within NOTE_TRASH_DAYS. */
export const DELETE: RequestHandler = api(async ({ locals, params }) =>
	json(await locals.app.notes.trash(requireUser(locals), params.id))
);
