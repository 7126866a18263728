import { json } from '@sveltejs/kit';
import { api, requireAdmin } from '#lib/server/http/api.ts';
import { reportCatalogue } from '#lib/server/usage/usage.service.ts';
import type { RequestHandler } from './$types';

/** The usage reports there are, with their columns, and what the filters can choose from. */
export const GET: RequestHandler = api(async ({ locals }) => {
	requireAdmin(locals);
	return json({ reports: reportCatalogue(), filters: await locals.app.usage.options() });
});
