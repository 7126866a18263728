/**
 * Keeps a run polite: at most `concurrency` requests in flight and at most `perSecond` started per
 * second. When the remote pushes back (429, 503) the rate is halved for the rest of the run.
 */
export class RequestLimiter {
	#inFlight = 0;
	#waiting: (() => void)[] = [];
	readonly #concurrency: number;
	#interval: number;
	#nextStart = 0;
	readonly #minPerSecond = 1;

	constructor(options: { concurrency: number; perSecond: number }) {
		this.#concurrency = Math.max(1, options.concurrency);
		this.#interval = 1000 / Math.max(this.#minPerSecond, options.perSecond);
	}

	/** The current rate ceiling in requests per second. */
	get perSecond(): number {
		return 1000 / this.#interval;
	}

	/** Runs `task` when a slot is free and the rate allows; frees the slot when it settles. */
	async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
		await this.#acquire(signal);
		try {
			await this.#pace(signal);
			return await task();
		} finally {
			this.#release();
		}
	}

	/** Halves the rate (down to 1/s), e.g. after a 429. */
	slowDown(): void {
		this.#interval = Math.min(this.#interval * 2, 1000 / this.#minPerSecond);
	}

	async #acquire(signal?: AbortSignal): Promise<void> {
		signal?.throwIfAborted();
		if (this.#inFlight < this.#concurrency) {
			this.#inFlight++;
			return;
		}
		await new Promise<void>((resolve, reject) => {
			const onAbort = () => {
				this.#waiting = this.#waiting.filter((w) => w !== wake);
				reject(signal?.reason as Error);
			};
			const wake = () => {
				signal?.removeEventListener('abort', onAbort);
				resolve();
			};
			this.#waiting.push(wake);
			signal?.addEventListener('abort', onAbort, { once: true });
		});
	}

	#release(): void {
		const next = this.#waiting.shift();
		if (next) next();
		else this.#inFlight--;
	}

	async #pace(signal?: AbortSignal): Promise<void> {
		const now = performance.now();
		const start = Math.max(now, this.#nextStart);
		this.#nextStart = start + this.#interval;
		if (start > now) await sleep(start - now, signal);
	}
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(signal.reason as Error);
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal?.reason as Error);
		};
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
