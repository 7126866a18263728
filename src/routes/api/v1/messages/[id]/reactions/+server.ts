import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { reactSchema } from '#lib/shared/schemas/channels.ts';
import type { RequestHandler } from './$types';

/** Toggles your reaction with `emoji`. */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireUser(locals);
	const { emoji } = await readJson(request, v.omit(reactSchema, ['messageId']));
	return json(await locals.app.messages.react(user, { messageId: params.id, emoji }));
});
