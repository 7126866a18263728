import { requireUser } from '#lib/server/http/api.ts';
import { runForm } from '#lib/server/http/actions.ts';
import { profileSchema } from '#lib/shared/schemas/auth.ts';
import { changePasswordForm } from '#lib/shared/schemas/forms.ts';
import type { Actions } from './$types';

export const actions = {
	profile: ({ request, locals }) =>
		runForm(
			'profile',
			request,
			profileSchema,
			async (input) => {
				const user = requireUser(locals);
				// The layout's load runs after this action: let it render the new name and colour.
				locals.user = await locals.app.accounts.updateProfile(user.id, input);
				return { saved: true };
			},
			['displayName', 'avatarColor']
		),

	/** Changes the password; every other session ends (and API tokens, if ticked), this one stays. */
	password: ({ request, locals }) =>
		runForm('password', request, changePasswordForm, async (input) => {
			const user = requireUser(locals);
			const { revokedTokens } = await locals.app.accounts.changePassword(
				user.id,
				input,
				locals.session?.id
			);
			return { changed: true, revokedTokens };
		})
} satisfies Actions;
