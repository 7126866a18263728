import { json } from '@sveltejs/kit';
import { api, readJson, requireAdmin } from '#lib/server/http/api.ts';
import { createProviderSchema } from '#lib/shared/schemas/providers.ts';
import type { RequestHandler } from './$types';

/** Providers with their models; API keys are never included (only `hasApiKey`). */
export const GET: RequestHandler = api(async ({ locals }) => {
	requireAdmin(locals);
	return json({ providers: await locals.app.providers.list() });
});

export const POST: RequestHandler = api(async ({ locals, request }) => {
	requireAdmin(locals);
	const input = await readJson(request, createProviderSchema);
	return json(await locals.app.providers.create(input), { status: 201 });
});
