import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { parseInput } from '#lib/server/errors.ts';
import { api, requireAdmin } from '#lib/server/http/api.ts';
import type { RequestHandler } from './$types';

const PAGE_MESSAGE = 'Page must be a whole number from 1 to 100000.';
const listQuery = v.object({
	page: v.pipe(
		v.optional(v.string(), '1'),
		v.regex(/^\d{1,6}$/, PAGE_MESSAGE),
		v.transform(Number),
		v.minValue(1, PAGE_MESSAGE),
		v.maxValue(100_000, PAGE_MESSAGE)
	),
	q: v.optional(v.string())
});

export const GET: RequestHandler = api(async ({ locals, url }) => {
	requireAdmin(locals);
	const { page, q } = parseInput(listQuery, {
		page: url.searchParams.get('page') ?? undefined,
		q: url.searchParams.get('q') ?? undefined
	});
	return json(await locals.app.accounts.listUsers({ query: q, page }));
});
