import { error, json, redirect } from '@sveltejs/kit';
import type { Handle } from '@sveltejs/kit/hooks';
import type { ErrorBody } from '#lib/shared/errors.ts';
import { accessProblem, loginUrl, requiredAccess } from './access.ts';
import { NUL_REFUSED, urlHasNul } from '../nul.ts';

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

/** Bodies a form on any page can send (and no body at all): what cross-site forgery uses. */
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i;

/**
 * The one cross-site request check (SvelteKit's own is off: `csrf.trustedOrigins: ['*']`): a write
 * must carry this site's Origin when it comes with the session cookie, whatever its body, and when
 * its body is one a form elsewhere could send, even without the cookie (a forged sign-in). Requests
 * signed with an API token carry no ambient credential and pass. Refusals are in the API's error
 * format under `/api`.
 */
export const refuseCrossSiteWrites: Handle = ({ event, resolve }) => {
	const { method, headers } = event.request;
	if (SAFE_METHODS.has(method) || headers.get('origin') === event.url.origin) return resolve(event);
	const type = headers.get('content-type');
	if (!event.locals.session && type && !FORM_TYPES.test(type)) return resolve(event);
	const message = `Cross-site ${method} refused: it must come from ${event.url.origin}.`;
	if (isApi(event.url.pathname)) return apiError(403, { code: 'forbidden', message });
	return new Response(message, { status: 403, headers: { 'content-type': 'text/plain' } });
};

/** SvelteKit answers a method an endpoint does not export with plain text; the API answers JSON. */
export const jsonMethodNotAllowed: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if (response.status !== 405 || !isApi(event.url.pathname)) return response;
	const allow = response.headers.get('allow');
	return json(
		{
			error: {
				code: 'method_not_allowed',
				message: `${event.request.method} is not supported here${allow ? `; use ${allow}` : ''}.`
			}
		},
		{ status: 405, headers: allow ? { allow } : {} }
	);
};

/** Authenticated answers are personal: no shared cache and no browser cache may keep them. */
export const noStoreWhenSignedIn: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if (event.locals.user && !response.headers.has('cache-control')) {
		response.headers.set('cache-control', 'no-store');
	}
	return response;
};

/**
 * A path or query with an encoded U+0000 names nothing Parley stores (PostgreSQL text cannot hold
 * one): refused before any load or endpoint turns it into a query.
 */
export const refuseNulInUrl: Handle = async ({ event, resolve }) => {
	if (!urlHasNul(event.url)) return resolve(event);
	if (isApi(event.url.pathname)) {
		return json({ error: { code: 'validation', message: NUL_REFUSED } }, { status: 400 });
	}
	error(400, NUL_REFUSED);
};
