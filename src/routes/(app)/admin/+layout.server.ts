import { error } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
	if (locals.user?.role !== 'admin') {
		error(403, { message: 'Only admins can open this page.', code: 'forbidden' });
	}
	return { pendingCount: await locals.app.db.user.count({ where: { status: 'pending' } }) };
};
