import { json } from '@sveltejs/kit';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { createChannelSchema } from '#lib/shared/schemas/channels.ts';
import type { RequestHandler } from './$types';

/** The channels and direct messages you belong to, with unread counts. */
export const GET: RequestHandler = api(async ({ locals }) =>
	json({ channels: await locals.app.channels.summaries.mine(requireUser(locals)) })
);

export const POST: RequestHandler = api(async ({ locals, request }) => {
	const user = requireUser(locals);
	const input = await readJson(request, createChannelSchema);
	return json(await locals.app.channels.create(user, input), { status: 201 });
});
