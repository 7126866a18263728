import { createHash, randomBytes } from 'node:crypto';

/** An AES-256 key and the id stored beside every value it encrypts. */
export interface SecretKey {
	/** 12 hex digits of a hash of the key: tells keys apart, reveals nothing of the key. */
	id: string;
	key: Buffer;
}

/** A key that cannot be used, or a value no available key opens: refuses clearly, never silently. */
export class SecretKeyError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SecretKeyError';
	}
}

export const KEY_BYTES = 32;

export function keyFrom(key: Buffer): SecretKey {
	const id = createHash('sha256').update('parley-secret-key-id:').update(key).digest('hex');
	return { id: id.slice(0, 12), key };
}

/** A fresh random key, written as Parley writes keys: base64 of 32 random bytes. */
export function generateKey(): { key: SecretKey; text: string } {
	const key = randomBytes(KEY_BYTES);
	return { key: keyFrom(key), text: key.toString('base64') };
}

/**
 * Reads a key written as base64 (or base64url) of exactly 32 bytes, as `openssl rand -base64 32`
 * prints it. `source` names where it came from for the error.
 */
export function parseKey(text: string, source: string): SecretKey {
	const trimmed = text.trim();
	const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : null;
	if (!bytes || bytes.length !== KEY_BYTES) {
		throw new SecretKeyError(
			`${source} is not a valid key: it must be 32 random bytes in base64 (44 characters), e.g. the output of \`openssl rand -base64 32\`.`
		);
	}
	return keyFrom(bytes);
}

/** Several keys separated by commas or new lines (SECRET_KEY_PREVIOUS, secret.key.previous). */
export function parseKeys(text: string, source: string): SecretKey[] {
	return text
		.split(/[,\n]/)
		.map((part) => part.trim())
		.filter(Boolean)
		.map((part, i) => parseKey(part, `${source} (key ${i + 1})`));
}
