import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { api, readJson, requireUser } from '#lib/server/http/api.ts';
import { shareRole } from '#lib/shared/schemas/notes.ts';
import type { RequestHandler } from './$types';

/** Who has access: the owner, the workspace's role and each share. */
export const GET: RequestHandler = api(async ({ locals, params }) =>
	json(await locals.app.notes.sharing(requireUser(locals), params.id))
);

/** Opens the note to everyone in the workspace (`viewer`/`editor`) or closes it (`null`). */
export const PATCH: RequestHandler = api(async ({ locals, params, request }) => {
	const user = requireUser(locals);
	const { workspaceRole } = await readJson(
		request,
		v.object({ workspaceRole: v.nullable(shareRole) })
	);
	return json(
		await locals.app.notes.setWorkspaceRole(user, { noteId: params.id, role: workspaceRole })
	);
});
