import { json, type RequestEvent } from '@sveltejs/kit';
import type * as v from 'valibot';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { AppError, expectedFailure, parseInput } from '../errors.ts';
import { isPlainObject } from '../plain-object.ts';
import { unavailableResponse } from './unavailable.ts';
import type { PublicUser } from '#lib/shared/types.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route's params and id
type Handler<E extends RequestEvent<any, any>> = (event: E) => Promise<Response>;

/**
 * Wraps a `+server.ts` handler so every failure is JSON: `{ error: { code, message, fields? } }` with
 * the matching status. Unexpected errors are logged and reported as `internal`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route's params and id
export function api<E extends RequestEvent<any, any>>(handler: Handler<E>): Handler<E> {
	return async (event) => {
		try {
			return await handler(event);
		} catch (error) {
			const expected = expectedFailure(error);
			if (expected) {
				const headers: Record<string, string> = {};
				if (expected.retryAfterSeconds) headers['retry-after'] = String(expected.retryAfterSeconds);
				return json({ error: expected.toBody() }, { status: expected.status, headers });
			}
			if (isDatabaseUnavailable(error)) {
				event.locals.log.warn({ err: error }, 'database unavailable');
				return unavailableResponse('json');
			}
			event.locals.log.error({ err: error }, 'api handler failed');
			return json(
				{ error: { code: 'internal', message: 'Something went wrong on the server.' } },
				{ status: 500 }
			);
		}
	};
}

/**
 * Reads a JSON body and validates it; malformed JSON and schema failures become 400s. A body that
 * outgrows the size limit while streaming (no Content-Length) becomes a 413.
 */
export async function readJson<S extends v.GenericSchema>(
	request: Request,
	schema: S
): Promise<v.InferOutput<S>> {
	let body: unknown;
	try {
		body = await request.json();
	} catch (error) {
		if (isHttpError(error, 413)) {
			throw new AppError('payload_too_large', 'The request body is over 1 MB.');
		}
		throw new AppError('bad_request', 'The request body is not valid JSON.');
	}
	return parseBody(schema, body);
}

/** Validates a decoded JSON body, which must be an object (valibot's `object` also takes arrays). */
export function parseBody<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
	if (!isPlainObject(body)) {
		throw new AppError('validation', 'The request body must be a JSON object.');
	}
	return parseInput(schema, body);
}

/** Whether the adapter failed the body stream with this HTTP status (e.g. 413 over BODY_SIZE_LIMIT). */
function isHttpError(error: unknown, status: number): boolean {
	return (
		typeof error === 'object' && error !== null && 'status' in error && error.status === status
	);
}

export function requireUser(locals: App.Locals): PublicUser {
	if (!locals.user) throw new AppError('unauthorized', 'Sign in or send an API token.');
	if (locals.user.status !== 'active') {
		throw new AppError('forbidden', 'Your account is waiting for an admin to approve it.');
	}
	return locals.user;
}

export function requireAdmin(locals: App.Locals): PublicUser {
	const user = requireUser(locals);
	if (user.role !== 'admin') throw new AppError('forbidden', 'Only admins can do this.');
	return user;
}
