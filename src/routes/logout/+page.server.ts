import { redirect } from '@sveltejs/kit';
import { SESSION_COOKIE } from '#lib/server/auth/cookies.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions = {
	default: async ({ locals, cookies }) => {
		if (locals.session) await locals.app.sessions.invalidate(locals.session.id, 'logged_out');
		cookies.delete(SESSION_COOKIE, { path: '/' });
		redirect(303, '/login');
	}
} satisfies Actions;
