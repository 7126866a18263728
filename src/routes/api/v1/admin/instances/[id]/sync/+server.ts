import { json } from '@sveltejs/kit';
import { AppError } from '#lib/server/errors.ts';
import { api, parseBody, requireAdmin } from '#lib/server/http/api.ts';
import { startSyncSchema } from '#lib/shared/schemas/instances.ts';
import type { RequestHandler } from './$types';

/** Starts a run (body `{ full? }`, or none): `202 { run }`, or 409 when one is under way anywhere. */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	requireAdmin(locals);
	const text = await request.text();
	let body: unknown = {};
	if (text.trim()) {
		try {
			body = JSON.parse(text);
		} catch {
			throw new AppError('bad_request', 'The request body is not valid JSON.');
		}
	}
	const { full } = parseBody(startSyncSchema, body);
	const { run } = await locals.app.sync.start(params.id, { trigger: 'manual', full });
	return json({ run }, { status: 202 });
});

/** Stops this server's run of the instance; answers with its record once it has stopped. */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	requireAdmin(locals);
	return json({ run: await locals.app.sync.cancel(params.id) });
});
