import { json } from '@sveltejs/kit';
import { api, readJson, requireAdmin } from '#lib/server/http/api.ts';
import { updateUserSchema } from '#lib/shared/schemas/auth.ts';
import type { RequestHandler } from './$types';

/** Changes a user's role or status (approve: `active`; deactivate: `deactivated`). */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const admin = requireAdmin(locals);
	const changes = await readJson(request, updateUserSchema);
	return json({ user: await locals.app.accounts.updateUser(admin, params.id, changes) });
});
