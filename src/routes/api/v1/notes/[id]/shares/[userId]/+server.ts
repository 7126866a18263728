import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { shareRole } from '#lib/shared/schemas/notes.ts';
import type { RequestHandler } from './$types';

/** Shares the note with a person as viewer or editor, or changes their role (owner only). */
export const PUT: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireUser(locals);
	const { role } = await readJson(request, v.object({ role: shareRole }));
	return json(
		await locals.app.notes.share(user, { noteId: params.id, userId: params.userId, role })
	);
});

/** Stops sharing with a person (owner), or leaves a note shared with you (your own id). */
export const DELETE: RequestHandler = api(async ({ locals, params }) =>
	json(
		await locals.app.notes.unshare(requireUser(locals), {
			noteId: params.id,
			userId: params.userId
		})
	)
);
