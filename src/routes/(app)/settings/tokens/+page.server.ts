import { requirePageAccess } from '#lib/server/http/access.ts';
import { requireUser } from '#lib/server/http/api.ts';
import { runForm } from '#lib/server/http/actions.ts';
import { createApiTokenSchema } from '#lib/shared/schemas/auth.ts';
import { byIdForm } from '#lib/shared/schemas/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = requirePageAccess(locals, url, 'member');
	return {
		tokens: await locals.app.apiTokens.list(user.id),
		/** The token whose revocation waits for confirmation (`?revoke=<id>`). */
		confirmRevoke: url.searchParams.get('revoke')
	};
};

export const actions = {
	/** Creates a token; this response is the only time its secret is shown. */
	create: ({ request, locals }) =>
		runForm(
			'create',
			request,
			createApiTokenSchema,
			async ({ name }) => {
				const user = requireUser(locals);
				const { token, summary } = await locals.app.apiTokens.create(user.id, name);
				return { secret: token, created: summary };
			},
			['name']
		),

	revoke: ({ request, locals }) =>
		runForm('revoke', request, byIdForm, async ({ id }) => {
			const user = requireUser(locals);
			const token = (await locals.app.apiTokens.list(user.id)).find((t) => t.id === id);
			await locals.app.apiTokens.revoke(user.id, id);
			return { revoked: token?.name ?? 'The token' };
		})
} satisfies Actions;
