import { requirePageAccess } from '#lib/server/http/access.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, url }) => {
	requirePageAccess(locals, url, 'admin');
	return { pendingCount: await locals.app.accounts.pendingCount() };
};
