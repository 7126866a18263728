import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	if (!locals.user) redirect(303, '/login');
	if (locals.user.status === 'active') redirect(303, '/');
	return { user: { displayName: locals.user.displayName, email: locals.user.email } };
};
