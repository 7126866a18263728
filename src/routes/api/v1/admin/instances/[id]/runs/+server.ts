import { json } from '@sveltejs/kit';
import { api, requireAdmin } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

/** The instance's runs, newest first (`?limit=`, default 20, at most 200). */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	requireAdmin(locals);
	await locals.app.instances.get(params.id);
	const limit = Number(url.searchParams.get('limit') ?? 20) || 20;
	return json({ runs: await locals.app.sync.runs(params.id, limit) });
});
