import { json } from '@sveltejs/kit';
import { api, readJson, requireAdmin } from '#lib/server/http/api.ts';
import { updateModelSchema } from '#lib/shared/schemas/providers.ts';
import type { RequestHandler } from './$types';

/** Enables or disables a model, renames it, makes it the default, or sets its prices. */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	requireAdmin(locals);
	const input = await readJson(request, updateModelSchema);
	return json(await locals.app.providers.updateModel(params.id, input));
});
