import { json } from '@sveltejs/kit';
import { api, requireAdmin } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

/** Checks the connection: `{ ok: true, models }` or `{ ok: false, reason }`. */
export const POST: RequestHandler = api(async ({ locals, params }) => {
	requireAdmin(locals);
	return json(await locals.app.providers.test(params.id));
});
