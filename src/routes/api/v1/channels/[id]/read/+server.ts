import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { seq } from '#lib/shared/schemas/channels.ts';
import type { RequestHandler } from './$types';

/** Moves your read cursor forward to `seq`. */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireUser(locals);
	const input = await readJson(request, v.object({ seq }));
	return json(await locals.app.reader.markRead(user, params.id, input.seq));
});
