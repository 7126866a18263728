/**
 * The admin Instances pages' form actions (shared by the list and the detail page). They call the
 * same services as the REST API, so rules live in one place.
 */
import { redirect, type RequestEvent } from '@sveltejs/kit';
import { requireAdmin } from '../http/api.ts';
import { runForm } from '../http/actions.ts';
import { byIdForm } from '#lib/shared/schemas/forms.ts';
import { createInstanceForm, syncForm, updateInstanceForm } from '#lib/shared/schemas/instances.ts';

type Event = Pick<RequestEvent, 'request' | 'locals'>;

/** Form fields a failed form may echo back (never the API key). */
const ECHO = [
	'name',
	'baseUrl',
	'scheduled',
	'intervalMinutes',
	'concurrency',
	'requestsPerSecond'
];

export const instanceActions = {
	create: ({ request, locals }: Event) =>
		runForm(
			'create',
			request,
			createInstanceForm,
			async (input) => {
				requireAdmin(locals);
				const instance = await locals.app.instances.create({
					...input,
					intervalMinutes: input.intervalMinutes ?? 60,
					concurrency: input.concurrency ?? 4,
					requestsPerSecond: input.requestsPerSecond ?? 200
				});
				return {
					notice: `${instance.name} added. Test the connection, then sync.`,
					id: instance.id
				};
			},
			ECHO
		),

	update: ({ request, locals }: Event) =>
		runForm(
			'update',
			request,
			updateInstanceForm,
			async ({ id, ...input }) => {
				requireAdmin(locals);
				const instance = await locals.app.instances.update(id, input);
				return { notice: `${instance.name} saved.`, id };
			},
			['id', ...ECHO]
		),

	test: ({ request, locals }: Event) =>
		runForm(
			'test',
			request,
			byIdForm,
			async ({ id }) => {
				requireAdmin(locals);
				return { id, result: await locals.app.instances.test(id) };
			},
			['id']
		),

	sync: ({ request, locals }: Event) =>
		runForm(
			'sync',
			request,
			syncForm,
			async ({ id, full }) => {
				requireAdmin(locals);
				const { run } = await locals.app.sync.start(id, { trigger: 'manual', full });
				return { id, runId: run.id, notice: full ? 'Full sync started.' : 'Sync started.' };
			},
			['id']
		),

	cancel: ({ request, locals }: Event) =>
		runForm(
			'cancel',
			request,
			byIdForm,
			async ({ id }) => {
				requireAdmin(locals);
				await locals.app.sync.cancel(id);
				return { id, notice: 'Sync stopped.' };
			},
			['id']
		),

	delete: async ({ request, locals }: Event) => {
		const result = await runForm('delete', request, byIdForm, async ({ id }) => {
			requireAdmin(locals);
			await locals.app.instances.remove(id);
			return { id };
		});
		if ('status' in result) return result;
		redirect(303, '/admin/instances?deleted=1');
	}
};
