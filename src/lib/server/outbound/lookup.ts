import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isLocalhostName, type OutboundPolicy, type Target } from './policy.ts';

/** Resolves a name to every address it has (injectable, so tests can play DNS). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
	dns.lookup(hostname, { all: true, order: 'verbatim' });

/** `localhost` and `*.localhost` are this machine whatever DNS says (RFC 6761). */
const LOOPBACK: LookupAddress[] = [
	{ address: '127.0.0.1', family: 4 },
	{ address: '::1', family: 6 }
];

/**
 * Resolves `target.host` and keeps the addresses the policy allows; throws the first refusal when
 * none is left. Whatever this returns is what the socket connects to, so there is no window for
 * DNS to answer differently between the check and the connection (rebinding).
 */
export async function resolveAllowed(
	policy: OutboundPolicy,
	target: Target,
	resolve: Resolver
): Promise<LookupAddress[]> {
	const found = isLocalhostName(target.host) ? LOOPBACK : await resolve(target.host);
	const allowed: LookupAddress[] = [];
	let refusal: Error | null = null;
	for (const entry of found) {
		const refused = policy.check(target, entry.address);
		if (refused) refusal ??= refused;
		else allowed.push(entry);
	}
	if (!allowed.length) {
		throw (
			refusal ?? Object.assign(new Error(`${target.host} has no address`), { code: 'ENOTFOUND' })
		);
	}
	return allowed;
}

/**
 * A `lookup` for `net.connect`/`tls.connect` that only ever hands out allowed addresses of
 * `hostname` for connections to `port`.
 */
export function guardedLookup(
	policy: OutboundPolicy,
	port: number,
	resolve: Resolver
): LookupFunction {
	return (hostname: string, options: LookupOptions, callback) => {
		resolveAllowed(policy, { host: hostname, port }, resolve).then(
			(addresses) => {
				const family = { IPv4: 4, IPv6: 6 }[String(options.family)] ?? Number(options.family ?? 0);
				const wanted = family ? addresses.filter((a) => a.family === family) : addresses;
				if (!wanted.length) {
					const error = new Error(`${hostname} has no IPv${family} address`);
					callback(Object.assign(error, { code: 'ENOTFOUND' }), '', 0);
				} else if (options.all) {
					callback(null, wanted);
				} else {
					callback(null, wanted[0].address, wanted[0].family);
				}
			},
			(error: NodeJS.ErrnoException) => callback(error, '', 0)
		);
	};
}
