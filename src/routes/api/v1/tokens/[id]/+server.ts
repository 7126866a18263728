import { api, requireUser } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const user = requireUser(locals);
	await locals.app.apiTokens.revoke(user.id, params.id);
	return new Response(null, { status: 204 });
});
