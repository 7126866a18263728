import { requirePageAccess } from '#lib/server/http/access.ts';
import { requireAdmin } from '#lib/server/http/api.ts';
import { runForm } from '#lib/server/http/actions.ts';
import { approvalSettingForm, roleForm, statusForm } from '#lib/shared/schemas/forms.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	requirePageAccess(locals, url, 'admin');
	const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
	const page = Math.max(1, Math.floor(Number(url.searchParams.get('page'))) || 1);
	const [list, settings] = await Promise.all([
		locals.app.accounts.listUsers({ query: q || undefined, page }),
		locals.app.settings.get()
	]);
	return { ...list, q, settings };
};

export const actions = {
	role: ({ request, locals }) =>
		runForm(
			'user',
			request,
			roleForm,
			async ({ id, role }) => {
				const user = await locals.app.accounts.updateUser(requireAdmin(locals), id, { role });
				return {
					notice: `${user.displayName} is now ${role === 'admin' ? 'an admin' : 'a member'}.`
				};
			},
			['id']
		),

	/** Approve or reactivate (`active`), or deactivate (ends their sessions at once). */
	status: ({ request, locals }) =>
		runForm(
			'user',
			request,
			statusForm,
			async ({ id, status }) => {
				const user = await locals.app.accounts.updateUser(requireAdmin(locals), id, { status });
				return {
					notice:
						status === 'active'
							? `${user.displayName} can use Parley now.`
							: `${user.displayName} has been deactivated and signed out.`
				};
			},
			['id']
		),

	settings: ({ request, locals }) =>
		runForm('settings', request, approvalSettingForm, async ({ requireApproval }) => {
			requireAdmin(locals);
			await locals.app.settings.update({ requireApproval });
			return {
				notice: requireApproval
					? 'New accounts now wait for an admin’s approval.'
					: 'New accounts can use Parley straight away.'
			};
		})
} satisfies Actions;
