import { json } from '@sveltejs/kit';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { createApiTokenSchema } from '#lib/shared/schemas/auth.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals }) => {
	const user = requireUser(locals);
	return json({ tokens: await locals.app.apiTokens.list(user.id) });
});

/** Creates a token; the response is the only time its secret is shown. */
export const POST: RequestHandler = api(async ({ locals, request }) => {
	const user = requireUser(locals);
	const { name } = await readJson(request, createApiTokenSchema);
	const { token, summary } = await locals.app.apiTokens.create(user.id, name);
	return json({ token, summary }, { status: 201 });
});
