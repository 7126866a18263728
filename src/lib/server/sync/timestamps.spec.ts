import { expect, test } from 'vitest';
import { remoteTime, toEpochSeconds, utcDay } from './timestamps.ts';

test('reads seconds, milliseconds, microseconds and nanoseconds', () => {
	const s = 1_764_000_000;
	expect(toEpochSeconds(s)).toBe(s);
	expect(toEpochSeconds(s * 1000)).toBe(s);
	expect(toEpochSeconds(s * 1e6)).toBe(s);
	expect(toEpochSeconds(s * 1e9)).toBe(s);
	expect(toEpochSeconds(String(s))).toBe(s);
	expect(toEpochSeconds(null)).toBeNull();
	expect(toEpochSeconds('soon')).toBeNull();
	expect(toEpochSeconds(-5)).toBeNull();
});

test('replaces times before 2000 or more than a day ahead', () => {
	const now = 1_800_000_000;
	expect(remoteTime(now - 10, 1, now)).toEqual({
		date: new Date((now - 10) * 1000),
		problem: null
	});
	expect(remoteTime(now + 86_000, 1, now).problem).toBeNull();
	expect(remoteTime(now + 90_000, 5, now)).toEqual({ date: new Date(5000), problem: 'future' });
	expect(remoteTime(12, 5, now)).toEqual({ date: new Date(5000), problem: 'missing' });
	expect(utcDay(new Date('2026-11-27T23:59:59.999Z'))).toBe('2026-11-27');
});
