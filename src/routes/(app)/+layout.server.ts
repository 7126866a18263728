import { requirePageAccess } from '#lib/server/http/access.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, url }) => ({
	user: requirePageAccess(locals, url, 'member')
});
