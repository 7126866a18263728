import { requirePageAccess } from '#lib/server/http/access.ts';
import { instanceActions } from '#lib/server/sync/form-actions.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	requirePageAccess(locals, url, 'admin');
	const instances = await locals.app.instances.list();
	return {
		instances,
		/** Live progress of runs in this server process, by instance id. */
		progress: Object.fromEntries(instances.map((i) => [i.id, locals.app.sync.progress(i.id)])),
		deleted: url.searchParams.has('deleted')
	};
};

export const actions = {
	create: instanceActions.create,
	test: instanceActions.test,
	sync: instanceActions.sync,
	cancel: instanceActions.cancel
} satisfies Actions;
