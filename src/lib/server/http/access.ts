import { error, redirect } from '@sveltejs/kit';
import type { PublicUser } from '#lib/shared/types.ts';

/** Who may reach a route: anyone, any signed-in active member, or admins only. */
export type Access = 'public' | 'member' | 'admin';

/**
 * The access of every route tree, most specific first. Matched against SvelteKit's route id (the
 * route file's folder, with groups), which SvelteKit resolves after decoding the path, so
 * `/%61dmin/users` cannot slip past; `/api/v1/admin/…` paths that match no endpoint are guarded by
 * their path as well, so the guard does not reveal which admin endpoints exist.
 */
const TREES: [prefix: string, access: Access][] = [
	['/(app)/admin', 'admin'],
	['/api/v1/admin', 'admin'],
	['/(app)', 'member'],
	['/api/v1', 'member']
];

function within(id: string, prefix: string): boolean {
	return id === prefix || id.startsWith(`${prefix}/`);
}

/** The access a request needs, from its route id (null when no route matched) and its path. */
export function requiredAccess(routeId: string | null, pathname: string): Access {
	for (const [prefix, access] of TREES) {
		if (routeId !== null && within(routeId, prefix)) return access;
		if (prefix.startsWith('/api/') && within(pathname, prefix)) return access;
	}
	return 'public';
}

/** Why a user may not reach a route of the given access, or null when they may. */
export function accessProblem(
	user: PublicUser | null,
	access: Access
): 'signed_out' | 'pending' | 'not_admin' | null {
	if (access === 'public') return null;
	if (!user) return 'signed_out';
	if (user.status !== 'active') return 'pending';
	if (access === 'admin' && user.role !== 'admin') return 'not_admin';
	return null;
}

/** The sign-in page, coming back to `url` afterwards. */
export function loginUrl(url: URL): string {
	return `/login?next=${encodeURIComponent(url.pathname + url.search)}`;
}

/**
 * For page loads and form actions: redirects people who are signed out or waiting for approval,
 * and refuses non-admins with a 403 page. Every admin load calls it first, beside the guard in
 * `hooks.server.ts`: SvelteKit runs a page's load without its layout's (`__data.json`), so a check
 * in the layout alone protects nothing.
 */
export function requirePageAccess(
	locals: App.Locals,
	url: URL,
	access: Exclude<Access, 'public'>
): PublicUser {
	const problem = accessProblem(locals.user, access);
	if (problem === 'signed_out') redirect(303, loginUrl(url));
	if (problem === 'pending') redirect(303, '/pending');
	if (problem === 'not_admin') {
		error(403, 'Only admins can open this page.', { code: 'forbidden' });
	}
	return locals.user as PublicUser;
}
