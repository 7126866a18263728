import { json } from '@sveltejs/kit';
import { api, readJson, requireAdmin } from '#lib/server/http/api.ts';
import { workspaceSettingsSchema } from '#lib/shared/schemas/auth.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals }) => {
	requireAdmin(locals);
	return json({ settings: await locals.app.settings.get() });
});

export const PATCH: RequestHandler = api(async ({ locals, request }) => {
	requireAdmin(locals);
	const changes = await readJson(request, workspaceSettingsSchema);
	return json({ settings: await locals.app.settings.update(changes) });
});
