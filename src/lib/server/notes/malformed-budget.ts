import type { AppSocket } from '../realtime/define.ts';

/** Malformed updates are counted over this window. */
const WINDOW_MS = 10 * 60_000;

/**
 * How many malformed updates one connection may send (within 10 minutes) before the server closes
 * it. Editors never send one (the browser's editor only writes valid updates); each refusal costs
 * the server a bounded check, and this bounds how often one connection can make it pay.
 */
export class MalformedBudget {
	readonly #max: number;
	readonly #spent = new WeakMap<AppSocket, number[]>();

	constructor(max: number) {
		this.#max = max;
	}

	/** Counts one malformed update from `socket`; true once the connection is over its budget. */
	spend(socket: AppSocket): boolean {
		const now = Date.now();
		const times = (this.#spent.get(socket) ?? []).filter((at) => now - at < WINDOW_MS);
		times.push(now);
		this.#spent.set(socket, times);
		return times.length > this.#max;
	}
}
