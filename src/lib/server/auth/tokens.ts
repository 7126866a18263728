import { createHash } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** A random 32-byte secret, base32-encoded: the value that goes in a cookie or an API token. */
export function generateSecret(): string {
	const bytes = new Uint8Array(32);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

/**
 * The SHA-256 (hex) of a secret: what the database stores in its place. Node's native hash: every
 * request, socket handshake and socket event of a signed-in user computes one.
 */
export function hashSecret(secret: string): string {
	return createHash('sha256').update(secret, 'utf8').digest('hex');
}
