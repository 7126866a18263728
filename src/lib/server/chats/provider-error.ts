/** Why a provider call failed, in words a user can act on. */
export type ProviderFailure =
	| 'unreachable'
	| 'unauthorized'
	| 'rate_limited'
	| 'server_error'
	| 'bad_request'
	| 'not_openai'
	| 'broken_stream'
	| 'timeout'
	| 'aborted';

export class ProviderError extends Error {
	readonly failure: ProviderFailure;
	readonly status?: number;

	constructor(failure: ProviderFailure, message: string, status?: number) {
		super(message);
		this.failure = failure;
		this.status = status;
	}
}

/** Turns a non-2xx provider response into a ProviderError with the provider's own message when it gave one. */
export async function errorFromResponse(response: Response): Promise<ProviderError> {
	const text = await response.text().catch(() => '');
	let detail: string;
	try {
		const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
		detail =
			typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message ?? '');
	} catch {
		detail = /<html/i.test(text) ? '' : text.slice(0, 200);
	}
	const suffix = detail ? `: ${detail}` : '.';
	const { status } = response;
	if (status === 401 || status === 403) {
		return new ProviderError(
			'unauthorized',
			`The provider refused the API key (${status})${suffix}`,
			status
		);
	}
	if (status === 429) {
		return new ProviderError(
			'rate_limited',
			`The provider is rate limiting requests (429)${suffix} Try again shortly.`,
			status
		);
	}
	if (status === 404) {
		return new ProviderError(
			'not_openai',
			`The provider has no such endpoint or model (404)${suffix} Check the base URL (it usually ends in /v1).`,
			status
		);
	}
	if (status >= 500) {
		return new ProviderError('server_error', `The provider failed (${status})${suffix}`, status);
	}
	return new ProviderError(
		'bad_request',
		`The provider rejected the request (${status})${suffix}`,
		status
	);
}

/** Explains a fetch that threw before any response. */
export function errorFromFetch(error: unknown, url: string): ProviderError {
	if (error instanceof ProviderError) return error;
	if (error instanceof Error && error.name === 'AbortError') {
		return new ProviderError('aborted', 'Stopped.');
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
