import { classifyAddress, isIpLiteral } from './address.ts';
import { OutboundRefusal } from './refusal.ts';

/** Where a request goes: the URL's host (as the WHATWG parser writes it) and its port. */
export interface Target {
	host: string;
	port: number;
}

/** One `host:port` entry of OUTBOUND_ALLOW, normalised. */
export interface AllowEntry {
	/** As the URL parser writes it: lower case, IPv6 in brackets, IPv4 dotted. */
	host: string;
	port: number;
	/** The canonical address when the entry is an IP literal. */
	address: string | null;
}

/** Parses OUTBOUND_ALLOW (`host:port` entries separated by commas); throws on a bad entry. */
export function parseAllowList(value: string): AllowEntry[] {
	return value
		.split(',')
		.map((entry) => entry.trim())
		.filter(Boolean)
		.map((entry) => {
			const match = /^(.+):(\d{1,5})$/.exec(entry);
			const port = Number(match?.[2]);
			let host = '';
			try {
				const url = new URL(`http://${match?.[1]}/`);
				if (url.username || url.password || url.pathname !== '/') throw new Error('not a host');
				host = normaliseHost(url.hostname);
			} catch {
				/* reported below */
			}
			if (!match || !host || port < 1 || port > 65_535) {
				throw new Error(
					`OUTBOUND_ALLOW: "${entry}" is not host:port (e.g. 127.0.0.1:11434 or [::1]:11434)`
				);
			}
			return { host, port, address: isIpLiteral(host) ? classifyAddress(host).address : null };
		});
}

/** Lower case without a trailing dot, as names compare. */
export function normaliseHost(host: string): string {
	return host.toLowerCase().replace(/\.$/, '');
}

/** Whether a name is `localhost` or under `.localhost`, which always means this machine (RFC 6761). */
export function isLocalhostName(host: string): boolean {
	const name = normaliseHost(host);
	return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Which addresses server-side requests may reach: public unicast ones, plus the exact `host:port`
 * pairs an operator lists in OUTBOUND_ALLOW (a local model server). Metadata, link-local,
 * unspecified, broadcast and multicast addresses stay refused even when listed.
 */
export class OutboundPolicy {
	readonly entries: readonly AllowEntry[];

	constructor(entries: readonly AllowEntry[] = []) {
		this.entries = entries;
	}

	static fromSetting(value: string): OutboundPolicy {
		return new OutboundPolicy(parseAllowList(value));
	}

	/** Listed entries that are ignored because their address may never be reached. */
	ignoredEntries(): string[] {
		return this.entries
			.filter((e) => e.address && !this.#allowableAddress(e.address))
			.map((e) => `${e.host}:${e.port}`);
	}

	/** Null when `target` may connect to `address` (one it is, or resolved to); else why not. */
	check(target: Target, address: string): OutboundRefusal | null {
		const found = classifyAddress(address);
		if (found.public) return null;
		const host = normaliseHost(target.host);
		const listed = this.entries.some(
			(e) => e.port === target.port && (e.host === host || e.address === found.address)
		);
		if (found.allowable && listed) return null;
		const where = `${target.host}:${target.port}`;
		const literal = isIpLiteral(target.host);
		const what =
			literal && classifyAddress(target.host).address === target.host.replace(/^\[|\]$/g, '')
				? `${where} is ${found.description}`
				: `${where} ${literal ? 'is' : 'resolves to'} ${found.address}, ${found.description}`;
		const entry = literal ? `${bracketed(found.address)}:${target.port}` : where;
		return new OutboundRefusal(
			'blocked',
			found.allowable
				? `${what}; to allow it, add ${entry} to OUTBOUND_ALLOW.`
				: `${what}; Parley never connects there, whatever OUTBOUND_ALLOW says.`,
			{ allowable: found.allowable }
		);
	}

	#allowableAddress(address: string): boolean {
		const found = classifyAddress(address);
		return found.public || found.allowable;
	}
}

function bracketed(address: string): string {
	return address.includes(':') ? `[${address}]` : address;
}
