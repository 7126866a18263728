import { readCappedText } from '../outbound/body.ts';
import type { Response } from '../outbound/client.ts';
import { refusalOf } from '../outbound/refusal.ts';
import { remoteDetail } from '../outbound/remote-text.ts';

/** Why a provider call failed, in words a user can act on. */
export type ProviderFailure =
	| 'unreachable'
	| 'blocked'
	| 'unauthorized'
	| 'rate_limited'
	| 'server_error'
	| 'bad_request'
	| 'not_openai'
	| 'broken_stream'
	| 'timeout'
	| 'aborted';

/**
 * A failed provider call. `message` is plain and safe for anyone (it goes into a member's chat);
 * `adminMessage` adds what the provider said (its JSON error message, redacted and shortened) or
 * the outbound guard's reason, for admins: the provider test, refresh, and the logs.
 */
export class ProviderError extends Error {
	readonly failure: ProviderFailure;
	readonly status?: number;
	readonly adminMessage: string;

	constructor(
		failure: ProviderFailure,
		message: string,
		extra: { status?: number; adminMessage?: string } = {}
	) {
		super(message);
		this.failure = failure;
		this.status = extra.status;
		this.adminMessage = extra.adminMessage ?? message;
	}
}

/** Error bodies are read this far, for their JSON error message. */
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * Turns a non-2xx provider response into a ProviderError: the status and its meaning for everyone,
 * plus the provider's own JSON message (never a raw body) for admins. `redact` clears secrets from it.
 */
export async function errorFromResponse(
	response: Response,
	redact: (text: string) => string
): Promise<ProviderError> {
	const text = await readCappedText(response, ERROR_BODY_BYTES).catch(() => '');
	const detail = remoteDetail(text, ['error.message', 'error', 'message'], redact);
	const { status } = response;
	const make = (failure: ProviderFailure, head: string, tail = '') =>
		new ProviderError(failure, `${head}.${tail}`, {
			status,
			adminMessage: `${head}${detail ? `: ${detail}` : '.'}${tail}`
		});
	if (status === 401 || status === 403) {
		return make('unauthorized', `The provider refused the API key (${status})`);
	}
	if (status === 429) {
		return make(
			'rate_limited',
			'The provider is rate limiting requests (429)',
			' Try again shortly.'
		);
	}
	if (status === 404) {
		return make(
			'not_openai',
			'The provider has no such endpoint or model (404)',
			' Check the base URL (it usually ends in /v1).'
		);
	}
	if (status >= 500) return make('server_error', `The provider failed (${status})`);
	return make('bad_request', `The provider rejected the request (${status})`);
}

/** Explains a fetch that threw before any response. */
export function errorFromFetch(error: unknown, url: string): ProviderError {
	if (error instanceof ProviderError) return error;
	if (error instanceof Error && error.name === 'AbortError') {
		return new ProviderError('aborted', 'Stopped.');
	}
	const refusal = refusalOf(error);
	if (refusal) {
		return new ProviderError(
			'blocked',
			'Parley refused to connect to this provider. Ask an admin to check it under Admin → Providers.',
			{ adminMessage: refusal.message }
		);
	}
	const host = (() => {
		try {
			return new URL(url).host;
		} catch {
			return url;
		}
	})();
	return new ProviderError('unreachable', `Could not reach the provider at ${host}.`);
}
