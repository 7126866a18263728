import { expect, test } from 'vitest';
import { RequestLimiter } from './limiter.ts';
import { pool } from './pool.ts';

test('never more than `concurrency` tasks at once', async () => {
	const limiter = new RequestLimiter({ concurrency: 3, perSecond: 1000 });
	let running = 0;
	let peak = 0;
	await Promise.all(
		Array.from({ length: 20 }, () =>
			limiter.run(async () => {
				peak = Math.max(peak, ++running);
				await new Promise((r) => setTimeout(r, 5));
				running--;
			})
		)
	);
	expect(peak).toBe(3);
});

test('starts at most `perSecond` a second, and half as many after a slow-down', async () => {
	const limiter = new RequestLimiter({ concurrency: 10, perSecond: 50 });
	let start = performance.now();
	await Promise.all(Array.from({ length: 11 }, () => limiter.run(async () => {})));
	expect(performance.now() - start).toBeGreaterThanOrEqual(190);
	limiter.slowDown();
	expect(limiter.perSecond).toBe(25);
	start = performance.now();
	await Promise.all(Array.from({ length: 6 }, () => limiter.run(async () => {})));
	expect(performance.now() - start).toBeGreaterThanOrEqual(190);
});

test('a pool stops starting tasks after the first error and rethrows it', async () => {
	const started: number[] = [];
	await expect(
		pool([1, 2, 3, 4, 5, 6], 2, async (n) => {
			started.push(n);
			if (n === 2) throw new Error('two');
			await new Promise((r) => setTimeout(r, 10));
		})
	).rejects.toThrow('two');
	expect(started.length).toBeLessThan(6);
});
