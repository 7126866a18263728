import { json } from '@sveltejs/kit';
import { api, requireAdmin } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

/** Fetches the provider's model list and adds new models (disabled until enabled). */
export const POST: RequestHandler = api(async ({ locals, params }) => {
	requireAdmin(locals);
	return json(await locals.app.providers.refreshModels(params.id));
});
