import { json } from '@sveltejs/kit';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { profileSchema } from '#lib/shared/schemas/auth.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals }) => json({ user: requireUser(locals) }));

export const PATCH: RequestHandler = api(async ({ locals, request }) => {
	const user = requireUser(locals);
	const input = await readJson(request, profileSchema);
	return json({ user: await locals.app.accounts.updateProfile(user.id, input) });
});
