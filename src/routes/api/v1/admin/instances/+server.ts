import { json } from '@sveltejs/kit';
import { api, readJson, requireAdmin } from '#lib/server/http/api.ts';
import { createInstanceSchema } from '#lib/shared/schemas/instances.ts';
import type { RequestHandler } from './$types';

/** Open WebUI instances with their last run and totals; API keys are never included. */
export const GET: RequestHandler = api(async ({ locals }) => {
	requireAdmin(locals);
	return json({ instances: await locals.app.instances.list() });
});

export const POST: RequestHandler = api(async ({ locals, request }) => {
	requireAdmin(locals);
	const input = await readJson(request, createInstanceSchema);
	return json(await locals.app.instances.create(input), { status: 201 });
});
