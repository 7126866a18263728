import { fetch, type Agent, type Response } from 'undici';
import { isIpLiteral } from './address.ts';
import { systemResolver, type Resolver } from './lookup.ts';
import { isLocalhostName, OutboundPolicy } from './policy.ts';
import { OutboundRefusal, refusalOf } from './refusal.ts';
import { createGuardedAgent } from './agent.ts';

export type { Response } from 'undici';

export interface OutboundRequest {
	method?: 'GET' | 'POST';
	headers?: Record<string, string>;
	body?: string;
	/** Every request needs a budget: the agent has no timeouts of its own. */
	signal: AbortSignal;
}

/** Redirects followed at most; each hop is checked like the first request. */
export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials: never sent to another origin than the one they were meant for. */
const CREDENTIALS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key'];

/**
 * The one way server code makes HTTP requests to admin-given URLs (model providers, Open WebUI
 * instances; later link previews and cost APIs). http and https only, no credentials in URLs, the
 * target's addresses checked at connect time (see `agent.ts`), redirects followed by hand with each
 * hop re-checked and credentials dropped when the origin changes.
 */
export class OutboundClient {
	readonly policy: OutboundPolicy;
	readonly #agent: Agent;

	constructor(policy: OutboundPolicy, options: { resolve?: Resolver } = {}) {
		this.policy = policy;
		this.#agent = createGuardedAgent(policy, options.resolve ?? systemResolver);
	}

	/**
	 * What can be told about a URL without DNS, for checking it when an admin saves it: a bad
	 * scheme, credentials, or a literal address (or `localhost`) that is refused. Null when it may be
	 * fine; names are resolved and checked when a request is made.
	 */
	checkUrl(url: string | URL): OutboundRefusal | null {
		let parsed: URL;
		try {
			parsed = parseTarget(url);
		} catch (error) {
			if (error instanceof OutboundRefusal) return error;
			throw error;
		}
		const port = Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80);
		const target = { host: parsed.hostname, port };
		if (isIpLiteral(parsed.hostname)) return this.policy.check(target, parsed.hostname);
		if (isLocalhostName(parsed.hostname)) {
			// Allowed when either loopback address is (the lookup then connects only to that one).
			const v4 = this.policy.check(target, '127.0.0.1');
			return v4 && !this.policy.check(target, '::1') ? null : v4;
		}
		return null;
	}

	/** Sends a request; throws an OutboundRefusal when the guard refuses it (or a redirect). */
	async fetch(url: string, request: OutboundRequest): Promise<Response> {
		let current = parseTarget(url);
		let { method = 'GET', body } = request;
		let headers = { ...request.headers };
		for (let hop = 0; ; hop++) {
			const refusal = this.checkUrl(current);
			if (refusal) throw refusal;
			let response: Response;
			try {
				response = await fetch(current, {
					method,
					headers,
					body,
					signal: request.signal,
					redirect: 'manual',
					dispatcher: this.#agent
				});
			} catch (error) {
				throw refusalOf(error) ?? error;
			}
			const location = response.headers.get('location');
			if (!REDIRECTS.has(response.status) || !location) return response;
			await response.body?.cancel().catch(() => undefined);
			if (hop >= MAX_REDIRECTS) {
				throw new OutboundRefusal('redirects', `More than ${MAX_REDIRECTS} redirects; stopped.`);
			}
			const next = parseTarget(location, true, current);
			if (next.origin !== current.origin) headers = withoutCredentials(headers);
			if (response.status === 303 || (response.status <= 302 && method === 'POST')) {
				method = 'GET';
				body = undefined;
				delete headers['content-type'];
			}
			current = next;
		}
	}

	/** Closes pooled connections (at shutdown). */
	async close(): Promise<void> {
		await this.#agent.close();
	}
}

/** Parses a URL the guard accepts: http or https, no user name or password. */
function parseTarget(url: string | URL, redirect = false, base?: URL): URL {
	const where = redirect ? 'A redirect went to' : 'The URL is';
	let parsed: URL;
	try {
		parsed = new URL(url, base);
	} catch {
		throw new OutboundRefusal('bad_url', `${where} not a valid URL.`);
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new OutboundRefusal(
			'scheme',
			`${where} a ${parsed.protocol} URL; only http and https are allowed.`
		);
	}
	if (parsed.username || parsed.password) {
		throw new OutboundRefusal(
			'credentials',
			redirect
				? `${where} a URL with a user name or password; not followed.`
				: 'URLs with a user name or password are not allowed; put the key in the API key field.'
		);
	}
	return parsed;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
	return Object.fromEntries(
		Object.entries(headers).filter(([name]) => !CREDENTIALS.includes(name.toLowerCase()))
	);
}
