/**
 * Runs `task` over `items` with at most `size` running at once. The first error stops new tasks
 * from starting; it is rethrown once the running ones have settled.
 */
export async function pool<T>(
	items: Iterable<T>,
	size: number,
	task: (item: T) => Promise<void>,
	signal?: AbortSignal
): Promise<void> {
	const iterator = items[Symbol.iterator]();
	let failure: { error: unknown } | undefined;
	const worker = async () => {
		for (;;) {
			if (failure || signal?.aborted) return;
			const next = iterator.next();
			if (next.done) return;
			try {
				await task(next.value);
			} catch (error) {
				failure ??= { error };
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, size) }, worker));
	if (failure) throw failure.error;
	signal?.throwIfAborted();
}
