import { json } from '@sveltejs/kit';
import { api, requireUser } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

/** A thread's root message and all its replies. */
export const GET: RequestHandler = api(async ({ locals, params }) =>
	json(await locals.app.reader.thread(requireUser(locals), params.id))
);
