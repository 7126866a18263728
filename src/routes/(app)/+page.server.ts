import { redirect } from '@sveltejs/kit';
import { requirePageAccess } from '#lib/server/http/access.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	requirePageAccess(locals, url, 'member');
	redirect(303, '/channels');
};
