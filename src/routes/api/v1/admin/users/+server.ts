import { json } from '@sveltejs/kit';
import { api, requireAdmin } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals, url }) => {
	requireAdmin(locals);
	const page = Number(url.searchParams.get('page') ?? 1) || 1;
	const query = url.searchParams.get('q') ?? undefined;
	return json(await locals.app.accounts.listUsers({ query, page }));
});
