import { describe, expect, it } from 'vitest';
import { isSealed, seal, sealedKeyId, unseal } from './cipher.ts';
import { generateKey, parseKey, SecretKeyError } from './keys.ts';

describe('sealing API keys', () => {
	const { key } = generateKey();
	const find = (id: string) => (id === key.id ? key : undefined);
	const context = 'provider:apiKey:p1';

	it('round-trips, with a fresh IV each time and the key id in front', () => {
		const a = seal(key, 'sk-live-1234567890', context);
		const b = seal(key, 'sk-live-1234567890', context);
		expect(a).not.toBe(b);
		expect(a).not.toContain('sk-live');
		expect(isSealed(a)).toBe(true);
		expect(sealedKeyId(a)).toBe(key.id);
		expect(a.startsWith(`enc:v1:${key.id}:`)).toBe(true);
		expect(unseal(find, a, context)).toBe('sk-live-1234567890');
		expect(unseal(find, b, context)).toBe('sk-live-1234567890');
	});

	it('keeps "no key" as the empty string', () => {
		expect(seal(key, '', context)).toBe('');
		expect(unseal(find, '', context)).toBe('');
	});

	it('refuses a flipped byte, a value from another row, and an unknown key, naming SECRET_KEY', () => {
		const sealed = seal(key, 'sk-live-1234567890', context);
		const body = sealed.slice(sealed.lastIndexOf(':') + 1);
		const bytes = Buffer.from(body, 'base64url');
		for (const i of [0, 12, bytes.length - 1]) {
			const flipped = Buffer.from(bytes);
			flipped[i] ^= 1;
			const tampered = `${sealed.slice(0, sealed.lastIndexOf(':') + 1)}${flipped.toString('base64url')}`;
			expect(() => unseal(find, tampered, context)).toThrow(SecretKeyError);
		}
		expect(() => unseal(find, sealed, 'provider:apiKey:p2')).toThrow(
			/cannot be decrypted with key .* \(from SECRET_KEY or DATA_DIR\/secret\.key\): it was altered, or copied from another row/
		);
		expect(() => unseal(find, sealed, 'instance:apiKey:p1')).toThrow(SecretKeyError);
		const other = generateKey().key;
		expect(() => unseal(find, seal(other, 'x', context), context)).toThrow(
			new RegExp(
				`encrypted with key ${other.id}, which this server does not have\\. Set SECRET_KEY`
			)
		);
		expect(() => unseal(find, 'sk-plain', context)).toThrow(/is not encrypted/);
	});

	it('reads keys written as base64 or base64url of 32 bytes, and nothing else', () => {
		const bytes = Buffer.alloc(32, 7);
		expect(parseKey(bytes.toString('base64'), 'SECRET_KEY').key).toEqual(bytes);
		expect(parseKey(`${bytes.toString('base64url')}\n`, 'SECRET_KEY').key).toEqual(bytes);
		for (const bad of ['', 'short', Buffer.alloc(16).toString('base64'), 'not base64 at all!!']) {
			expect(() => parseKey(bad, 'SECRET_KEY')).toThrow(
				/^SECRET_KEY is not a valid key: it must be 32 random bytes in base64/
			);
		}
		expect(parseKey(bytes.toString('base64'), 'x').id).toBe(
			parseKey(bytes.toString('base64'), 'y').id
		);
	});
});
