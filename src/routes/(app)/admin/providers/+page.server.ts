import { requirePageAccess } from '#lib/server/http/access.ts';
import { requireAdmin } from '#lib/server/http/api.ts';
import { runForm } from '#lib/server/http/actions.ts';
import { byIdForm, enabledForm, modelForm, providerEditForm } from '#lib/shared/schemas/forms.ts';
import { createProviderSchema } from '#lib/shared/schemas/providers.ts';
import type { Actions, PageServerLoad } from './$types';

/** Admin → Providers. API keys never leave the server: the page only learns whether one is stored. */
export const load: PageServerLoad = async ({ locals, url }) => {
	requirePageAccess(locals, url, 'admin');
	return {
		providers: await locals.app.providers.list(),
		/** The provider whose deletion waits for confirmation (`?delete=<id>`). */
		confirmDelete: url.searchParams.get('delete')
	};
};

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export const actions = {
	create: ({ request, locals }) =>
		runForm(
			'create',
			request,
			createProviderSchema,
			async (input) => {
				requireAdmin(locals);
				const provider = await locals.app.providers.create(input);
				return {
					id: provider.id,
					notice: `${provider.name} was added. Test the connection, then refresh its models.`
				};
			},
			['name', 'baseUrl']
		),

	/** Renames or repoints a provider; an empty key field keeps the stored key. */
	update: ({ request, locals }) =>
		runForm(
			'provider',
			request,
			providerEditForm,
			async ({ id, name, baseUrl, apiKey, clearKey }) => {
				requireAdmin(locals);
				const key = clearKey ? { apiKey: '' } : apiKey ? { apiKey } : {};
				const provider = await locals.app.providers.update(id, { name, baseUrl, ...key });
				return { id, notice: `${provider.name} was saved.` };
			},
			['id', 'name', 'baseUrl']
		),

	enabled: ({ request, locals }) =>
		runForm(
			'provider',
			request,
			enabledForm,
			async ({ id, enabled }) => {
				requireAdmin(locals);
				const provider = await locals.app.providers.update(id, { enabled });
				return {
					id,
					notice: enabled
						? `${provider.name} is enabled.`
						: `${provider.name} is disabled: its models cannot be picked until it is enabled again.`
				};
			},
			['id']
		),

	delete: ({ request, locals }) =>
		runForm(
			'provider',
			request,
			byIdForm,
			async ({ id }) => {
				requireAdmin(locals);
				const name = (await locals.app.providers.list()).find((p) => p.id === id)?.name;
				await locals.app.providers.remove(id);
				return { id, deleted: name ?? 'The provider' };
			},
			['id']
		),

	test: ({ request, locals }) =>
		runForm(
			'provider',
			request,
			byIdForm,
			async ({ id }) => {
				requireAdmin(locals);
				const result = await locals.app.providers.test(id);
				return result.ok
					? { id, notice: `Connected: the provider offers ${plural(result.models, 'model')}.` }
					: { id, problem: `Connection failed: ${result.reason}` };
			},
			['id']
		),

	refresh: ({ request, locals }) =>
		runForm(
			'provider',
			request,
			byIdForm,
			async ({ id }) => {
				requireAdmin(locals);
				const service = locals.app.providers;
				const before = (await service.list()).find((p) => p.id === id)?.models.length ?? 0;
				const provider = await service.refreshModels(id);
				const added = provider.models.length - before;
				return {
					id,
					notice:
						added > 0
							? `Found ${plural(added, 'new model')}. Enable the ones people may use.`
							: 'No new models.'
				};
			},
			['id']
		),

	model: ({ request, locals }) =>
		runForm(
			'model',
			request,
			modelForm,
			async ({ id, ...input }) => {
				requireAdmin(locals);
				const model = await locals.app.providers.updateModel(id, input);
				return { id, notice: `${model.displayName} was saved.` };
			},
			['id', 'displayName', 'inputPricePerMTok', 'outputPricePerMTok']
		),

	modelEnabled: ({ request, locals }) =>
		runForm(
			'model',
			request,
			enabledForm,
			async ({ id, enabled }) => {
				requireAdmin(locals);
				const model = await locals.app.providers.updateModel(id, { enabled });
				return { id, notice: `${model.displayName} is ${enabled ? 'enabled' : 'disabled'}.` };
			},
			['id']
		),

	/** Makes a model the default for new chats (enabling it). */
	makeDefault: ({ request, locals }) =>
		runForm(
			'model',
			request,
			byIdForm,
			async ({ id }) => {
				requireAdmin(locals);
				const model = await locals.app.providers.updateModel(id, { isDefault: true });
				return { id, notice: `${model.displayName} is the default model now.` };
			},
			['id']
		)
} satisfies Actions;
