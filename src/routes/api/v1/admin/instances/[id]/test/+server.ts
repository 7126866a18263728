import { json } from '@sveltejs/kit';
import { api, requireAdmin } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

/** Checks URL and key: `{ ok: true, version, account, users }` or `{ ok: false, code, reason }`. */
export const POST: RequestHandler = api(async ({ locals, params }) => {
	requireAdmin(locals);
	return json(await locals.app.instances.test(params.id));
});
