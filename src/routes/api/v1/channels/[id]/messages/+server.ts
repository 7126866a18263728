import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { intParam, readQuery } from '#lib/server/http/query.ts';
import { sendMessageSchema } from '#lib/shared/schemas/channels.ts';
import type { RequestHandler } from './$types';

const historyQuery = v.object({ before: intParam, after: intParam, limit: intParam });

/** A page of top-level messages: the newest, or `?before=seq` / `?after=seq`. */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const user = requireUser(locals);
	const { before, after, limit } = readQuery(url, historyQuery);
	const page = await locals.app.reader.history(user, {
		channelId: params.id,
		before,
		after,
		limit: Math.min(Math.max(limit ?? 50, 1), 200)
	});
	return json(page);
});

/** Posts a message; `clientId` makes retries safe (the same id returns the same message). */
export const POST: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireUser(locals);
	const input = await readJson(request, v.omit(sendMessageSchema, ['channelId']));
	const message = await locals.app.messages.send(user, { ...input, channelId: params.id });
	return json(message, { status: 201 });
});
