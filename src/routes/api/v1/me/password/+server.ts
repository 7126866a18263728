import { json } from '@sveltejs/kit';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { changePasswordSchema } from '#lib/shared/schemas/auth.ts';
import type { RequestHandler } from './$types';

/** Changes the password; every other session of the user ends, and their API tokens unless kept. */
export const POST: RequestHandler = api(async ({ locals, request }) => {
	const user = requireUser(locals);
	const input = await readJson(request, changePasswordSchema);
	const { revokedTokens } = await locals.app.accounts.changePassword(
		user.id,
		input,
		locals.session?.id
	);
	return json({ ok: true, revokedTokens });
});
