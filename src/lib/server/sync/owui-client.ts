import { readCapped, ResponseTooLarge } from '../outbound/body.ts';
import type { OutboundClient, Response } from '../outbound/client.ts';
import { refusalOf } from '../outbound/refusal.ts';
import { remoteDetail, remoteLine } from '../outbound/remote-text.ts';
import { RequestLimiter, sleep } from './limiter.ts';
import { withoutNul } from '../nul.ts';

/** Why a request to an Open WebUI instance failed. */
export type RemoteFailure =
	| 'unreachable'
	| 'blocked'
	| 'timeout'
	| 'not_api'
	| 'unauthorized'
	| 'forbidden'
	| 'not_found'
	| 'rate_limited'
	| 'server_error'
	| 'bad_response'
	| 'too_large'
	| 'http_error'
	| 'cancelled';

const RETRYABLE = new Set<RemoteFailure>([
	'unreachable',
	'timeout',
	'rate_limited',
	'server_error'
]);

/** A failed request, with a message an admin can act on (never the API key). */
export class RemoteError extends Error {
	readonly failure: RemoteFailure;
	readonly status: number | undefined;
	readonly path: string;
	/** From a Retry-After header. */
	readonly retryAfterMs: number | undefined;

	constructor(
		failure: RemoteFailure,
		path: string,
		message: string,
		extra: { status?: number; retryAfterMs?: number } = {}
	) {
		super(`GET ${path}: ${message}`);
		this.name = 'RemoteError';
		this.failure = failure;
		this.path = path;
		this.status = extra.status;
		this.retryAfterMs = extra.retryAfterMs;
	}

	get retryable(): boolean {
		return RETRYABLE.has(this.failure);
	}
}

export interface ClientOptions {
	/** The outbound guard every request goes through. */
	outbound: OutboundClient;
	/** Clears configured secrets from remote text (error details). */
	redact: (text: string, extra?: readonly string[]) => string;
	baseUrl: string;
	apiKey: string;
	concurrency: number;
	requestsPerSecond: number;
	timeoutMs: number;
	/** Retries after the first attempt, for 429, 5xx, timeouts and dropped connections. */
	maxRetries: number;
	/** The first retry waits about this long; each further one twice as long (with jitter). */
	retryBaseMs: number;
	/** Larger (decompressed) bodies are refused, e.g. a runaway chat. */
	maxResponseBytes: number;
	/** Aborts every request of the run (cancel, shutdown). */
	signal?: AbortSignal;
	/** Called as each request (or retry) is sent. */
	onRequest?: () => void;
}

const MAX_RETRY_WAIT_MS = 60_000;

/**
 * A small JSON client for Open WebUI's REST API: bearer key, bounded concurrency and rate, retries
 * with exponential backoff, and strict checks that the answer is JSON (a wrong path on Open WebUI
 * answers with its web app's HTML page and status 200). Requests go through the outbound guard;
 * error messages carry status codes and, at most, the instance's redacted JSON `detail`.
 */
export class OpenWebUIClient {
	readonly #options: ClientOptions;
	readonly #limiter: RequestLimiter;
	readonly #base: string;
	/** Requests sent, retries included. */
	requests = 0;
	retries = 0;
	/** Decompressed bytes read. */
	bytes = 0;

	constructor(options: ClientOptions) {
		this.#options = options;
		this.#base = options.baseUrl.replace(/\/+$/, '');
		this.#limiter = new RequestLimiter({
			concurrency: options.concurrency,
			perSecond: options.requestsPerSecond,
			pushback: (error) => (isPushback(error) ? { retryAfterMs: error.retryAfterMs } : null),
			maxPauseMs: MAX_RETRY_WAIT_MS
		});
	}

	/** A short text from the instance (a name, a version) made safe to show: redacted, one line. */
	clean(text: string | null): string | null {
		if (text === null) return null;
		return remoteLine(text, (t) => this.#options.redact(t, [this.#options.apiKey]));
	}

	/** GETs `path` (with its exact trailing slash) and returns the parsed JSON, retrying when sensible. */
	async get(path: string, query: Record<string, string | number | boolean> = {}): Promise<unknown> {
		const search = new URLSearchParams(
			Object.entries(query).map(([k, v]) => [k, String(v)])
		).toString();
		const target = search ? `${path}?${search}` : path;
		const { maxRetries, retryBaseMs, signal } = this.#options;
		for (let attempt = 0; ; attempt++) {
			try {
				return await this.#limiter.run(() => this.#once(target), signal);
			} catch (error) {
				const remote = this.#explain(error, target);
				if (!remote.retryable || attempt >= maxRetries) throw remote;
				this.retries++;
				const backoff = retryBaseMs * 2 ** attempt * (0.75 + Math.random() / 2);
				const wait = Math.min(remote.retryAfterMs ?? backoff, MAX_RETRY_WAIT_MS);
				try {
					await sleep(wait, signal);
				} catch {
					throw new RemoteError('cancelled', target, 'the run was stopped.');
				}
			}
		}
	}

	async #once(target: string): Promise<unknown> {
		const { apiKey, timeoutMs, signal, maxResponseBytes, outbound } = this.#options;
		const timeout = AbortSignal.timeout(timeoutMs);
		this.requests++;
		this.#options.onRequest?.();
		const response = await outbound.fetch(this.#base + target, {
			headers: {
				authorization: `Bearer ${apiKey}`,
				accept: 'application/json',
				'accept-encoding': 'gzip, deflate'
			},
			signal: signal ? AbortSignal.any([signal, timeout]) : timeout
		});
		let body: Buffer;
		try {
			body = await readCapped(response, maxResponseBytes);
		} catch (error) {
			throw error instanceof ResponseTooLarge ? tooLarge(target, maxResponseBytes) : error;
		}
		this.bytes += body.length;
		const text = body.toString('utf8');
		if (!response.ok) {
			const detail = remoteDetail(text, ['detail', 'message', 'error'], (t) =>
				this.#options.redact(t, [apiKey])
			);
			throw statusError(response, target, detail);
		}
		const type = response.headers.get('content-type') ?? '';
		if (type.includes('text/html') || /^\s*<(!doctype|html)/i.test(text)) {
			throw new RemoteError(
				'not_api',
				target,
				`the server answered with a web page (HTML, status ${response.status}) instead of JSON: this URL is not Open WebUI’s API. Check the base URL (the server’s root, without /api).`,
				{ status: response.status }
			);
		}
		try {
			return withoutNul(JSON.parse(text) as unknown);
		} catch {
			// Not the parser's message: it quotes the text it choked on.
			throw new RemoteError('bad_response', target, 'the answer is not valid JSON.', {
				status: response.status
			});
		}
	}

	#explain(error: unknown, target: string): RemoteError {
		if (error instanceof RemoteError) return error;
		if (this.#options.signal?.aborted) {
			return new RemoteError('cancelled', target, 'the run was stopped.');
		}
		const refusal = refusalOf(error);
		if (refusal) return new RemoteError('blocked', target, refusal.message);
		if (error instanceof Error && error.name === 'TimeoutError') {
			return new RemoteError(
				'timeout',
				target,
				`no complete answer within ${Math.round(this.#options.timeoutMs / 1000)} s.`
			);
		}
		const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
		const code = cause?.code ? ` (${cause.code})` : '';
		return new RemoteError('unreachable', target, `could not reach the instance${code}.`);
	}
}

/** The instance asking for less: 429, or 503 (overloaded or starting). The limiter slows down. */
function isPushback(error: unknown): error is RemoteError {
	return error instanceof RemoteError && (error.status === 429 || error.status === 503);
}

function tooLarge(target: string, max: number): RemoteError {
	const limit =
		max >= 1_048_576 ? `${(max / 1_048_576).toFixed(1)} MB` : `${Math.round(max / 1024)} KB`;
	return new RemoteError(
		'too_large',
		target,
		`the answer is over the ${limit} limit (SYNC_MAX_RESPONSE_BYTES); skipped.`
	);
}

function statusError(response: Response, target: string, detail: string): RemoteError {
	const { status } = response;
	const suffix = detail ? `: ${detail}` : '.';
	if (status === 401) {
		return new RemoteError(
			'unauthorized',
			target,
			`Open WebUI refused the API key (401)${suffix}`,
			{
				status
			}
		);
	}
	if (status === 403) {
		return new RemoteError(
			'forbidden',
			target,
			`the API key is not allowed to do this (403): it must belong to an admin${suffix}`,
			{ status }
		);
	}
	if (status === 404) {
		return new RemoteError('not_found', target, `no such endpoint or item (404)${suffix}`, {
			status
		});
	}
	if (status === 429) {
		return new RemoteError('rate_limited', target, `rate limited by the instance (429)${suffix}`, {
			status,
			retryAfterMs: retryAfter(response)
		});
	}
	if (status >= 500) {
		return new RemoteError('server_error', target, `the instance failed (${status})${suffix}`, {
			status,
			retryAfterMs: retryAfter(response)
		});
	}
	return new RemoteError('http_error', target, `unexpected status ${status}${suffix}`, { status });
}

/** Retry-After as a wait in ms: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); else undefined. */
export function retryAfter(response: {
	headers: { get(name: string): string | null };
}): number | undefined {
	const value = response.headers.get('retry-after')?.trim();
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
