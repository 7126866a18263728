import { redirect } from '@sveltejs/kit';
import { failWith, readForm, setSessionCookie } from '#lib/server/http/forms.ts';
import { signUpSchema } from '#lib/shared/schemas/auth.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.user) redirect(303, '/');
	return { firstRun: await locals.app.accounts.isFirstRun() };
};

export const actions = {
	default: async ({ request, locals, cookies, url, getClientAddress }) => {
		const form = await readForm(request, signUpSchema, ['email', 'displayName']);
		if (!form.ok) return form.failure;
		try {
			const { token, session } = await locals.app.accounts.signUp(form.data, getClientAddress());
			setSessionCookie(cookies, token, session, url);
		} catch (error) {
			return failWith(error, form.values);
		}
		redirect(303, '/');
	}
} satisfies Actions;
