import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What an IP address is, for deciding whether the server may connect to it. */
export type AddressClass =
	| { public: true; address: string }
	| {
			public: false;
			/** The address in canonical form (IPv4-mapped IPv6 as its IPv4). */
			address: string;
			/** ipaddr.js's range name, or `metadata` / `nonGlobal`. */
			range: string;
			/** For a sentence such as "10.0.0.1:80 is a private network address". */
			description: string;
			/** Whether OUTBOUND_ALLOW may let the server connect to it. */
			allowable: boolean;
	  };

/**
 * Cloud instance metadata services (AWS IPv6, Alibaba, Azure's wire server). 169.254.169.254 is
 * link-local and refused with its range; these live in ranges an operator might otherwise allow.
 */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '168.63.129.16']);

/** Never reachable, whatever OUTBOUND_ALLOW says. */
const NEVER = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'metadata']);

const DESCRIPTIONS: Record<string, string> = {
	loopback: 'a loopback address (this machine)',
	private: 'a private network address',
	uniqueLocal: 'a private (unique local) IPv6 address',
	carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
	linkLocal: 'a link-local address (where cloud metadata services answer)',
	metadata: 'a cloud metadata service address',
	unspecified: 'the unspecified address (it reaches this machine)',
	broadcast: 'the broadcast address',
	multicast: 'a multicast address',
	teredo: 'a Teredo tunnel address',
	nonGlobal: 'not a global IPv6 unicast address'
};

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Classifies an IP address (canonical text, as DNS or the WHATWG URL parser gives it). Only global
 * unicast addresses are public. IPv4-mapped IPv6 is judged as the IPv4 it maps to, and NAT64 and
 * 6to4 addresses by the IPv4 they embed, so no spelling of an internal address passes.
 */
export function classifyAddress(text: string): AddressClass {
	const parsed = ipaddr.process(text.replace(/^\[|\]$/g, ''));
	const address = parsed.toString();
	if (METADATA.has(address)) return refused(address, 'metadata');
	if (parsed.kind() === 'ipv4') {
		const range = parsed.range();
		return range === 'unicast' ? { public: true, address } : refused(address, range);
	}
	const v6 = parsed as ipaddr.IPv6;
	const range = v6.range();
	const embedded = embeddedIPv4(v6, range);
	if (embedded) {
		const inner = classifyAddress(embedded);
		if (inner.public) return { public: true, address };
		return { ...inner, address, description: `${inner.description}, ${embedded} inside IPv6` };
	}
	if (range === 'unicast' && v6.match(GLOBAL_UNICAST_V6)) return { public: true, address };
	return refused(address, range === 'unicast' ? 'nonGlobal' : range);
}

/** The IPv4 address a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address carries. */
function embeddedIPv4(v6: ipaddr.IPv6, range: string): string | null {
	const bytes = v6.toByteArray();
	if (range === 'rfc6052' && v6.parts[1] === 0xff9b && v6.parts.slice(2, 6).every((p) => !p)) {
		return bytes.slice(12).join('.');
	}
	if (range === '6to4') return bytes.slice(2, 6).join('.');
	return null;
}

function refused(address: string, range: string): AddressClass {
	return {
		public: false,
		address,
		range,
		description: DESCRIPTIONS[range] ?? `a reserved address (${range})`,
		allowable: !NEVER.has(range)
	};
}

/** Whether `text` is an IP address literal (IPv6 with or without brackets). */
export function isIpLiteral(text: string): boolean {
	return isIP(text.replace(/^\[|\]$/g, '')) !== 0;
}
