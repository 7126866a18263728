import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretRedactor } from './redactor.ts';
import { StreamRedactor } from './stream-redactor.ts';

describe('SecretRedactor', () => {
	const redactor = new SecretRedactor();
	redactor.set(['sk-canary-0123456789', 'owui"key\\abc', 'k']);

	it('removes configured secrets in the forms an echo takes', () => {
		expect(redactor.redact('Incorrect API key: sk-canary-0123456789.')).toBe(
			'Incorrect API key: [redacted].'
		);
		expect(redactor.redact(JSON.stringify({ m: 'got owui"key\\abc' }))).toBe(
			'{"m":"got [redacted]"}'
		);
		expect(redactor.redact(`?key=${encodeURIComponent('owui"key\\abc')}`)).toBe('?key=[redacted]');
		// Too short to search for without mangling ordinary words.
		expect(redactor.redact('a key')).toBe('a key');
	});

	it('removes any bearer or basic credential quoted back, configured or not', () => {
		expect(redactor.redact('you sent Authorization: Bearer sk-unknown-987654')).toBe(
			'you sent Authorization: Bearer [redacted]'
		);
		expect(redactor.redact('basic dXNlcjpwYXNzd29yZA==')).toBe('basic [redacted]');
	});

	it('takes extra secrets per call (the key just sent)', () => {
		expect(redactor.redact('echo sk-fresh-key-42', ['sk-fresh-key-42'])).toBe('echo [redacted]');
	});

	it('leaves text without secrets alone', () => {
		expect(redactor.redact('The model crashed mid-answer.')).toBe('The model crashed mid-answer.');
	});
});

describe('StreamRedactor', () => {
	const secret = 'sk-canary-0123456789';
	const redactor = new SecretRedactor();
	redactor.set([secret, 'other-secret-value']);

	it('never lets a secret through, however the stream is cut', () => {
		fc.assert(
			fc.property(
				fc.string({ maxLength: 40 }),
				fc.string({ maxLength: 40 }),
				fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 12 }),
				(before, after, cuts) => {
					const text = `${before}${secret}${after}${secret.slice(0, 9)}`;
					const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
					const stream = new StreamRedactor(redactor);
					let out = '';
					let last = 0;
					for (const point of [...points, text.length]) {
						out += stream.push(text.slice(last, point));
						last = point;
					}
					out += stream.flush();
					expect(out).not.toContain(secret);
					expect(out).toBe(redactor.redactSecrets(text));
				}
			),
			{ numRuns: 500 }
		);
	});

	it('passes pieces through untouched when no secret is configured', () => {
		const stream = new StreamRedactor(new SecretRedactor());
		expect(stream.push('s')).toBe('s');
		expect(stream.push('k-')).toBe('k-');
		expect(stream.flush()).toBe('');
	});

	it('holds back only what could start a secret', () => {
		const stream = new StreamRedactor(redactor);
		expect(stream.push('tokens t1 t2 ')).toBe('tokens t1 t2 ');
		expect(stream.push('sk-can')).toBe('');
		expect(stream.push('ary-0123456789 done')).toBe('[redacted] done');
		expect(stream.push(' sk-')).toBe(' ');
		expect(stream.flush()).toBe('sk-');
	});
});
