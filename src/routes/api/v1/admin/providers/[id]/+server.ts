import { json } from '@sveltejs/kit';
import { api, readJson, requireAdmin } from '#lib/server/http/api.ts';
import { updateProviderSchema } from '#lib/shared/schemas/providers.ts';
import type { RequestHandler } from './$types';

export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	requireAdmin(locals);
	const input = await readJson(request, updateProviderSchema);
	return json(await locals.app.providers.update(params.id, input));
});

export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	requireAdmin(locals);
	await locals.app.providers.remove(params.id);
	return new Response(null, { status: 204 });
});
