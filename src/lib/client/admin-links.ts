import { resolve } from '$app/paths';

/** The admin users list for a search and page (page 1 and an empty search are left out). */
export function usersPageHref({ q, page }: { q?: string; page?: number }) {
	const params = new URLSearchParams();
	if (q) params.set('q', q);
	if (page && page > 1) params.set('page', String(page));
	const search = params.toString();
	return search ? resolve(`/(app)/admin/users?${search}`) : resolve('/(app)/admin/users');
}
