import { json } from '@sveltejs/kit';
import { api, readJson, requireAdmin } from '#lib/server/http/api.ts';
import { updateInstanceSchema } from '#lib/shared/schemas/instances.ts';
import type { RequestHandler } from './$types';

/** The instance, and the live progress of its run in this server process (or null). */
export const GET: RequestHandler = api(async ({ locals, params }) => {
	requireAdmin(locals);
	const instance = await locals.app.instances.get(params.id);
	return json({ instance, progress: locals.app.sync.progress(params.id) });
});

export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	requireAdmin(locals);
	const input = await readJson(request, updateInstanceSchema);
	return json(await locals.app.instances.update(params.id, input));
});

/** Deletes the instance and everything imported from it. */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	requireAdmin(locals);
	await locals.app.instances.remove(params.id);
	return new Response(null, { status: 204 });
});
