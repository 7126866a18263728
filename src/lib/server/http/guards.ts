import { error, json, redirect } from '@sveltejs/kit';
import type { Handle } from '@sveltejs/kit/hooks';
import type { ErrorBody } from '#lib/shared/errors.ts';
import { accessProblem, loginUrl, requiredAccess } from './access.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function apiError(status: number, body: ErrorBody): Response {
	return json({ error: body }, { status });
}

function isApi(pathname: string): boolean {
	return pathname === '/api' || pathname.startsWith('/api/');
}

/**
 * Authorizes every request by its route tree (`access.ts`) before any load, action or endpoint
 * runs, so an area's rule cannot be forgotten by one of its files. It is what holds when a request
 * skips the layouts: `__data.json?x-sveltekit-invalidated=…` runs one page's load alone, and form
 * actions and endpoints run no load at all. Loads check again themselves.
 */
export const guardRoutes: Handle = ({ event, resolve }) => {
	const access = requiredAccess(event.route.id, event.url.pathname);
	const problem = accessProblem(event.locals.user, access);
	if (!problem) return resolve(event);
	if (isApi(event.url.pathname)) {
		return problem === 'signed_out'
			? apiError(401, { code: 'unauthorized', message: 'Sign in or send an API token.' })
			: apiError(403, {
					code: 'forbidden',
					message:
						problem === 'pending'
							? 'Your account is waiting for an admin to approve it.'
							: 'Only admins can do this.'
				});
	}
	if (problem === 'signed_out') redirect(303, loginUrl(event.url));
	if (problem === 'pending') redirect(303, '/pending');
	// A whole page (not its data, not an action): SvelteKit runs every layout's load to render it,
	// so the admin layout refuses it there, with the app's own error page.
	if (SAFE_METHODS.has(event.request.method) && !event.isDataRequest) return resolve(event);
	error(403, 'Only admins can open this page.', { code: 'forbidden' });
};

/**
 * Refuses state-changing requests that carry the session cookie but come from another origin (or
 * from none, or `null`). SvelteKit checks form posts itself; this covers JSON and every other body
 * type. Requests signed with an API token carry no ambient credential and pass.
 */
export const refuseCrossSiteWrites: Handle = ({ event, resolve }) => {
	if (SAFE_METHODS.has(event.request.method) || !event.locals.session) return resolve(event);
	const origin = event.request.headers.get('origin');
	if (origin === event.url.origin) return resolve(event);
	return apiError(403, {
		code: 'forbidden',
		message: `Cross-site request refused: a signed-in write must come from ${event.url.origin}.`
	});
};

/** Authenticated answers are personal: no shared cache and no browser cache may keep them. */
export const noStoreWhenSignedIn: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if (event.locals.user && !response.headers.has('cache-control')) {
		response.headers.set('cache-control', 'no-store');
	}
	return response;
};
