import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { messageBody } from '#lib/shared/schemas/channels.ts';
import type { RequestHandler } from './$types';

/** Edits your own message. */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireUser(locals);
	const { body } = await readJson(request, v.object({ body: messageBody }));
	return json(await locals.app.messages.edit(user, { messageId: params.id, body }));
});

/** Deletes a message (author, channel owner or admin); returns the tombstone. */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const user = requireUser(locals);
	return json(await locals.app.messages.delete(user, { messageId: params.id }));
});
