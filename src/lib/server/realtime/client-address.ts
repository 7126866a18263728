import type { IncomingHttpHeaders } from 'node:http';
import ipaddr from 'ipaddr.js';

/** Where the client's address comes from: the TCP peer, or a header set by a trusted proxy. */
export interface AddressSource {
	ADDRESS_HEADER?: string;
	XFF_DEPTH: number;
}

/**
 * The client's address as adapter-node's `getClientAddress()` sees it: the header named by
 * ADDRESS_HEADER (for `x-forwarded-for`, the XFF_DEPTH-th entry from the right, the one the
 * trusted proxy appended), or else the TCP peer. A request without the header (one that bypassed
 * the proxy) falls back to its peer: that address cannot be forged.
 */
export function clientAddress(
	headers: IncomingHttpHeaders,
	peer: string | undefined,
	source: AddressSource
): string {
	const header = source.ADDRESS_HEADER;
	const raw = header ? headers[header] : undefined;
	const value = Array.isArray(raw) ? raw.join(',') : raw;
	if (!header || !value) return peer ?? 'unknown';
	if (header !== 'x-forwarded-for') return value.trim();
	const entries = value.split(',');
	return entries[Math.max(0, entries.length - source.XFF_DEPTH)].trim();
}

/**
 * The key that connections are counted under: IPv4-mapped IPv6 as plain IPv4, other IPv6
 * addresses by their /64 (one host or home network typically owns a whole /64, so counting single
 * addresses would let it open connections without end). Anything that is not an address is kept
 * as it is, shortened.
 */
export function addressKey(address: string): string {
	if (!ipaddr.isValid(address)) return address.slice(0, 100);
	const parsed = ipaddr.process(address);
	if (parsed.kind() === 'ipv4') return parsed.toString();
	const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4);
	return `${prefix.map((part) => part.toString(16)).join(':')}::/64`;
}
