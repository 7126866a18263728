import type { LoadedNote } from './loaded-note.ts';

const noop = () => {};

/**
 * Runs `step` once the note's earlier updates that still wait for a check have been applied, so
 * updates apply in the order they arrived. When none waits, `step` runs at once and synchronously:
 * the common path (every check synchronous) never yields between receiving and applying.
 */
export function inArrivalOrder<T>(note: LoadedNote, step: () => T | Promise<T>): T | Promise<T> {
	const previous = note.changes;
	const result = previous ? previous.then(step) : step();
	if (result instanceof Promise) {
		const tail = result.then(noop, noop);
		note.changes = tail;
		void tail.then(() => {
			if (note.changes === tail) note.changes = null;
		});
	}
	return result;
}

/** Calls each hook in turn; synchronous until one returns a promise, then the rest follow it. */
export function eachInTurn<H>(
	hooks: readonly H[],
	call: (hook: H) => void | Promise<void>,
	from = 0
): void | Promise<void> {
	for (let i = from; i < hooks.length; i++) {
		const pending = call(hooks[i]);
		if (pending) return pending.then(() => eachInTurn(hooks, call, i + 1));
	}
}
