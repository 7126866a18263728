import { expect, test } from 'vitest';
import { retryAfter } from './owui-client.ts';

const answer = (value?: string) =>
	new Response(null, { status: 503, headers: value === undefined ? {} : { 'retry-after': value } });

test('Retry-After is read as delta-seconds or as an HTTP-date', () => {
	expect(retryAfter(answer('0'))).toBe(0);
	expect(retryAfter(answer(' 120 '))).toBe(120_000);
	expect(retryAfter(answer('1.5'))).toBe(1500);
	const inAMinute = new Date(Date.now() + 60_000).toUTCString();
	const ms = retryAfter(answer(inAMinute)) ?? -1;
	// The date has whole seconds.
	expect(ms).toBeGreaterThan(58_000);
	expect(ms).toBeLessThanOrEqual(60_000);
	expect(retryAfter(answer('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(0);
	expect(retryAfter(answer())).toBeUndefined();
	expect(retryAfter(answer('soon'))).toBeUndefined();
});
