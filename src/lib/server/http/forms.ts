import { fail, type ActionFailure, type Cookies } from '@sveltejs/kit';
import * as v from 'valibot';
import { AppError, validationError } from '../errors.ts';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/cookies.ts';
import type { SessionInfo } from '../auth/session.service.ts';

/** What a failed form action returns to its page: the fields to refill and the messages to show. */
export interface FormFailure {
	values: Record<string, string>;
	message: string;
	fields: Record<string, string>;
}

/** Reads a form and validates it; on failure returns the `fail(...)` to give back to the page. */
export async function readForm<S extends v.GenericSchema>(
	request: Request,
	schema: S,
	/** Field names whose values may be echoed back (never passwords). */
	echo: string[] = []
): Promise<
	| { ok: true; data: v.InferOutput<S>; values: Record<string, string> }
	| { ok: false; failure: ActionFailure<FormFailure> }
> {
	const form = await request.formData();
	const raw = Object.fromEntries(
		[...form.entries()].filter(([, value]) => typeof value === 'string')
	);
	const values = Object.fromEntries(echo.map((k) => [k, String(raw[k] ?? '')]));
	const parsed = v.safeParse(schema, raw);
	if (!parsed.success) {
		return { ok: false, failure: failWith(validationError(parsed.issues), values) };
	}
	return { ok: true, data: parsed.output, values };
}

/** Turns an AppError into a form failure; anything else is rethrown. */
export function failWith(
	error: unknown,
	values: Record<string, string>
): ActionFailure<FormFailure> {
	if (!AppError.is(error)) throw error;
	return fail(error.status, { values, message: error.message, fields: error.fields ?? {} });
}

export function setSessionCookie(
	cookies: Cookies,
	token: string,
	session: SessionInfo,
	url: URL
): void {
	cookies.set(
		SESSION_COOKIE,
		token,
		sessionCookieOptions(session.expiresAt, url.protocol === 'https:')
	);
}

/**
 * Where to go after signing in: `?next=` resolved the way a browser would resolve it, kept only when
 * it stays on this origin (so `//evil.example` and `/\evil.example` become `/`), and re-serialised,
 * so the redirect carries no character a Location header cannot hold.
 */
export function safeRedirectTarget(url: URL): string {
	const next = url.searchParams.get('next');
	if (!next?.startsWith('/')) return '/';
	let target: URL;
	try {
		target = new URL(next, url.origin);
	} catch {
		return '/';
	}
	return target.origin === url.origin ? target.pathname + target.search + target.hash : '/';
}
