import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { readQuery } from '#lib/server/http/query.ts';
import { createNoteSchema } from '#lib/shared/schemas/notes.ts';
import type { RequestHandler } from './$types';

const listQuery = v.object({
	q: v.optional(v.pipe(v.string(), v.maxLength(200)), ''),
	trash: v.optional(v.picklist(['0', '1', 'true', 'false']), '0')
});

/** Your notes and those shared with you (`?trash=1`: your trash), filtered by `?q=` in titles. */
export const GET: RequestHandler = api(async ({ locals, url }) => {
	const user = requireUser(locals);
	const { q, trash } = readQuery(url, listQuery);
	const notes = await locals.app.notes.list(user, {
		query: q,
		trash: trash === '1' || trash === 'true'
	});
	return json({ notes });
});

/** Creates a note; the server seeds its document. */
export const POST: RequestHandler = api(async ({ locals, request }) => {
	const user = requireUser(locals);
	const input = await readJson(request, createNoteSchema);
	return json(await locals.app.notes.create(user, input), { status: 201 });
});
