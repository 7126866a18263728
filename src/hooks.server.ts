import { randomUUID } from 'node:crypto';
import { isHttpError, isRedirect } from '@sveltejs/kit';
import {
	sequence,
	type Handle,
	type HandleServerError,
	type ServerInit
} from '@sveltejs/kit/hooks';
import { getApp } from '#lib/server/app.ts';
import { isDatabaseUnavailable } from '#lib/server/db/unavailable.ts';
import { UNAVAILABLE, unavailableResponse } from '#lib/server/http/unavailable.ts';
import { SESSION_COOKIE, sessionCookieOptions } from '#lib/server/auth/cookies.ts';
import {
	guardRoutes,
	jsonMethodNotAllowed,
	noStoreWhenSignedIn,
	refuseCrossSiteWrites,
	refuseNulInUrl
} from '#lib/server/http/guards.ts';

export const init: ServerInit = async () => {
	await getApp();
};

/** Gives every request an id (honouring an incoming X-Request-Id), a child logger and an access log line. */
const requestContext: Handle = async ({ event, resolve }) => {
	const app = await getApp();
	const incoming = event.request.headers.get('x-request-id');
	const requestId = incoming && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
	event.locals.app = app;
	event.locals.requestId = requestId;
	event.locals.log = app.log.child({ requestId });
	const started = performance.now();
	let status = 500;
	try {
		const response = await resolve(event);
		status = response.status;
		response.headers.set('x-request-id', requestId);
		return response;
	} catch (thrown) {
		// A guard's redirect or error page is thrown, not returned; log its status all the same.
		if (isRedirect(thrown) || isHttpError(thrown)) status = thrown.status;
		throw thrown;
	} finally {
		event.locals.log.info(
			{
				method: event.request.method,
				path: event.url.pathname,
				status,
				ms: Math.round(performance.now() - started),
				userId: event.locals.user?.id
			},
			'request'
		);
	}
};

/**
 * The hooks' own lookups (the session or token check) failing because the database is unreachable
 * (restarting): a 503 that says to retry, not a 500. Route handlers answer it themselves (api()).
 */
const databaseUnavailable: Handle = async ({ event, resolve }) => {
	try {
		return await resolve(event);
	} catch (error) {
		if (!isDatabaseUnavailable(error)) throw error;
		event.locals.log.warn({ err: error, path: event.url.pathname }, 'database unavailable');
		const path = event.url.pathname;
		return unavailableResponse(path === '/api' || path.startsWith('/api/') ? 'json' : 'text');
	}
};

/** Authenticates once per request: a bearer API token, or else the session cookie. */
const authenticate: Handle = async ({ event, resolve }) => {
	const { app } = event.locals;
	event.locals.user = null;
	event.locals.session = null;
	event.locals.apiTokenId = null;

	const bearer = event.request.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
	if (bearer) {
		const found = await app.apiTokens.authenticate(bearer);
		if (found) {
			event.locals.user = found.user;
			event.locals.apiTokenId = found.tokenId;
		}
		return resolve(event);
	}

	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		const valid = await app.sessions.validate(token);
		if (valid) {
			event.locals.user = valid.user;
			event.locals.session = valid.session;
			event.cookies.set(
				SESSION_COOKIE,
				token,
				sessionCookieOptions(valid.session.expiresAt, event.url.protocol === 'https:')
			);
		} else {
			event.cookies.delete(SESSION_COOKIE, { path: '/' });
		}
	}
	return resolve(event);
};

export const handle = sequence(
	requestContext,
	databaseUnavailable,
	refuseNulInUrl,
	authenticate,
	noStoreWhenSignedIn,
	jsonMethodNotAllowed,
	refuseCrossSiteWrites,
	guardRoutes
);

/** Logs unexpected errors with the request id; users see a calm message, never a stack trace. */
export const handleError: HandleServerError = ({ kind, error, event }) => {
	if (kind !== 'unknown') return;
	if (isDatabaseUnavailable(error)) {
		(event.locals.log ?? console).warn(
			{ err: error, path: event.url.pathname },
			'database unavailable'
		);
		return { message: UNAVAILABLE.message, code: UNAVAILABLE.code };
	}
	(event.locals.log ?? console).error({ err: error, path: event.url.pathname }, 'unhandled error');
	return { message: 'Something went wrong on our side. Please try again.', code: 'internal' };
};
