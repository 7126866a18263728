import { error } from '@sveltejs/kit';
import { AppError } from '#lib/server/errors.ts';
import { requirePageAccess } from '#lib/server/http/access.ts';
import { instanceActions } from '#lib/server/sync/form-actions.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	requirePageAccess(locals, url, 'admin');
	let instance;
	try {
		instance = await locals.app.instances.get(params.id);
	} catch (failure) {
		if (AppError.is(failure) && failure.code === 'not_found') {
			error(404, 'No such instance.', { code: 'not_found' });
		}
		throw failure;
	}
	return {
		instance,
		runs: await locals.app.sync.runs(params.id, 50),
		progress: { [params.id]: locals.app.sync.progress(params.id) },
		/** Deleting waits for a confirmation (`?delete`). */
		confirmDelete: url.searchParams.has('delete')
	};
};

export const actions = instanceActions satisfies Actions;
