import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, requireUser } from '#lib/server/http/api.ts';
import { intParam, readQuery } from '#lib/server/http/query.ts';
import type { RequestHandler } from './$types';

/** Everything that changed since the cursor `?since=version`, in one response. */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const user = requireUser(locals);
	const { since } = readQuery(url, v.object({ since: intParam }));
	return json(await locals.app.reader.changesSince(user, params.id, since ?? 0));
});
