import { Agent, buildConnector } from 'undici';
import { isIpLiteral } from './address.ts';
import { guardedLookup, type Resolver } from './lookup.ts';
import type { OutboundPolicy } from './policy.ts';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * An undici Agent whose every connection is checked when it is made: a literal IP host against the
 * policy (Node skips `lookup` for those), a name through a lookup that resolves it and hands the
 * socket only allowed addresses. Connections are never made any other way, so redirects, retries
 * and pooled reconnects are all covered.
 *
 * Header and body timeouts are off: every caller passes an AbortSignal with its own budget (a model
 * may think for minutes before its first token).
 */
export function createGuardedAgent(policy: OutboundPolicy, resolve: Resolver): Agent {
	// `lookup` cannot see the port, which the allow list needs: one connector per port.
	const connectors = new Map<number, buildConnector.connector>();
	const connect: buildConnector.connector = (options, callback) => {
		const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
		if (isIpLiteral(options.hostname)) {
			const host = options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname;
			const refusal = policy.check({ host, port }, options.hostname);
			if (refusal) {
				queueMicrotask(() => callback(refusal, null));
				return;
			}
		}
		let connector = connectors.get(port);
		if (!connector) {
			connector = buildConnector({
				timeout: CONNECT_TIMEOUT_MS,
				lookup: guardedLookup(policy, port, resolve)
			});
			connectors.set(port, connector);
		}
		return connector(options, callback);
	};
	return new Agent({ connect, headersTimeout: 0, bodyTimeout: 0 });
}
