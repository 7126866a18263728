import { describe, expect, it } from 'vitest';
import { StoreQueue } from './store-queue.ts';

describe('StoreQueue (group commit)', () => {
	it('writes what arrives during a write as the next batch, in order', async () => {
		const batches: number[][] = [];
		let release: (() => void) | undefined;
		const queue = new StoreQueue<number>(async (batch) => {
			batches.push(batch);
			if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
		});
		const first = [queue.push(1), queue.push(2)];
		await new Promise((resolve) => setImmediate(resolve));
		const second = [queue.push(3), queue.push(4), queue.push(5)];
		expect(batches).toEqual([[1, 2]]);
		release?.();
		await Promise.all([...first, ...second]);
		expect(batches).toEqual([
			[1, 2],
			[3, 4, 5]
		]);
		expect(queue.idle).toBe(true);
	});

	it('rejects the pushes of a failed batch only, and drain() waits without throwing', async () => {
		let fail = true;
		const queue = new StoreQueue<number>(async () => {
			if (fail) throw new Error('disk full');
		});
		const failed = queue.push(1);
		const drained = queue.drain();
		await expect(failed).rejects.toThrow('disk full');
		await expect(drained).resolves.toBeUndefined();
		fail = false;
		await expect(queue.push(2)).resolves.toBeUndefined();
		await expect(queue.drain()).resolves.toBeUndefined();
	});
});
