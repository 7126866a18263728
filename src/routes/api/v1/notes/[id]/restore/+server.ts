import { json } from '@sveltejs/kit';
import { api, requireUser } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

/** Takes a note out of the trash (owner only). */
export const POST: RequestHandler = api(async ({ locals, params }) =>
	json(await locals.app.notes.restore(requireUser(locals), params.id))
);
