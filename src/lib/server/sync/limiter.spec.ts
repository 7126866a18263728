import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { RequestLimiter, type Pushback } from './limiter.ts';
import { pool } from './pool.ts';

/** A task error that the limiter reads as the remote pushing back. */
class Pushed extends Error {
	constructor(readonly pushback: Pushback = {}) {
		super('pushed back');
	}
}
const pushback = (error: unknown) => (error instanceof Pushed ? error.pushback : null);

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

// Virtual time: pacing is measured on the fake clock, so nothing depends on how busy the machine is.
describe('rate (on a fake clock)', () => {
	beforeEach(() => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	/** Runs `work` to its end on the fake clock; resolves with the virtual ms it took. */
	async function timed(work: () => Promise<unknown>): Promise<number> {
		const start = performance.now();
		const done = work();
		await vi.runAllTimersAsync();
		await done;
		return performance.now() - start;
	}

	/** `count` requests one after another; those for which `fails(i)` is true are pushed back. */
	function sequence(limiter: RequestLimiter, count: number, fails: (i: number) => boolean) {
		const rates: number[] = [];
		return {
			rates,
			run: async () => {
				for (let i = 0; i < count; i++) {
					await limiter
						.run(async () => {
							if (fails(i)) throw new Pushed();
						})
						.catch((error: unknown) => {
							if (!(error instanceof Pushed)) throw error;
						});
					rates.push(limiter.perSecond);
				}
			}
		};
	}

	test('starts at most `perSecond` a second', async () => {
		const limiter = new RequestLimiter({ concurrency: 10, perSecond: 50 });
		const ms = await timed(() =>
			Promise.all(Array.from({ length: 11 }, () => limiter.run(async () => {})))
		);
		// 11 starts at 50/s: the last one 10 intervals (200 ms) after the first.
		expect(ms).toBeGreaterThanOrEqual(200);
		expect(ms).toBeLessThan(240);
	});

	test('a push back halves the rate; answers add it back, up to the configured rate', async () => {
		const limiter = new RequestLimiter({ concurrency: 1, perSecond: 100, pushback });
		const { rates, run } = sequence(limiter, 40, (i) => i === 0 || i === 1 || i === 2);
		await timed(run);
		expect(rates.slice(0, 3)).toEqual([50, 25, 12.5]);
		// +5 (1/20 of 100) per answer, capped at 100.
		expect(rates.slice(3, 6)).toEqual([17.5, 22.5, 27.5]);
		expect(rates.at(-1)).toBe(100);
		expect(Math.max(...rates)).toBe(100);
	});

	test('requests in flight that are pushed back together halve the rate once', async () => {
		const limiter = new RequestLimiter({ concurrency: 4, perSecond: 200, pushback });
		await timed(() =>
			Promise.allSettled(
				Array.from({ length: 4 }, () =>
					limiter.run(async () => {
						await new Promise((r) => setTimeout(r, 50));
						throw new Pushed();
					})
				)
			)
		);
		expect(limiter.perSecond).toBe(100);
	});

	test('a 1-in-10 trickle of 503s costs a small factor, not a collapse to the floor', async () => {
		const count = 1000;
		const clean = sequence(
			new RequestLimiter({ concurrency: 1, perSecond: 100, pushback }),
			count,
			() => false
		);
		const cleanMs = await timed(clean.run);
		const limiter = new RequestLimiter({ concurrency: 1, perSecond: 100, pushback });
		const trickle = sequence(limiter, count, (i) => i % 10 === 9);
		const trickleMs = await timed(trickle.run);
		// Without recovery the rate halves 100 times and sits at 1/s: over 800 s instead of 10 s.
		expect(trickleMs).toBeLessThan(cleanMs * 1.6);
		// It settles between 45 and 90 a second: halved by each 503, +5 for each of the 9 answers.
		expect(Math.min(...trickle.rates.slice(100))).toBeGreaterThanOrEqual(40);
		const mean = trickle.rates.reduce((a, b) => a + b, 0) / count;
		expect(mean).toBeGreaterThanOrEqual(60);
	});

	test('Retry-After pauses every start, not only the retry, and is capped', async () => {
		const limiter = new RequestLimiter({
			concurrency: 4,
			perSecond: 1000,
			pushback,
			maxPauseMs: 5000
		});
		const starts: number[] = [];
		let failedAt = 0;
		const first = limiter
			.run(async () => {
				await new Promise((r) => setTimeout(r, 10));
				failedAt = performance.now();
				throw new Pushed({ retryAfterMs: 2000 });
			})
			.catch(() => undefined);
		const others = Array.from({ length: 8 }, () =>
			limiter.run(async () => {
				starts.push(performance.now());
				await new Promise((r) => setTimeout(r, 20));
			})
		);
		await timed(() => Promise.all([first, ...others]));
		// Three started beside the first; every later one waited for the pause.
		const later = starts.filter((t) => t > failedAt);
		expect(later).toHaveLength(5);
		for (const t of later) expect(t).toBeGreaterThanOrEqual(failedAt + 2000);

		const begin = performance.now();
		await timed(() =>
			limiter
				.run(async () => {
					throw new Pushed({ retryAfterMs: 3_600_000 });
				})
				.catch(() => undefined)
		);
		expect(limiter.pausedUntil - begin).toBeLessThanOrEqual(5001);
		const ms = await timed(() => limiter.run(async () => {}));
		expect(ms).toBeGreaterThanOrEqual(4999);
		expect(ms).toBeLessThanOrEqual(5100);
	});
});
