import { redirect } from '@sveltejs/kit';
import {
	failWith,
	readForm,
	safeRedirectTarget,
	setSessionCookie
} from '#lib/server/http/forms.ts';
import { logInSchema } from '#lib/shared/schemas/auth.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.user) redirect(303, '/');
	return { firstRun: await locals.app.accounts.isFirstRun() };
};

export const actions = {
	default: async ({ request, locals, cookies, url, getClientAddress }) => {
		const form = await readForm(request, logInSchema, ['email']);
		if (!form.ok) return form.failure;
		try {
			const { token, session } = await locals.app.accounts.logIn(form.data, getClientAddress());
			setSessionCookie(cookies, token, session, url);
		} catch (error) {
			return failWith(error, form.values);
		}
		redirect(303, safeRedirectTarget(url));
	}
} satisfies Actions;
