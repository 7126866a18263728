/** What a failed task tells the limiter when it was the remote pushing back (429, 503). */
export interface Pushback {
	/** From a Retry-After header: how long the remote asked every client to wait. */
	retryAfterMs?: number;
}

export interface LimiterOptions {
	concurrency: number;
	/** The configured rate: the ceiling, and where the rate starts. */
	perSecond: number;
	/** Whether a task's error is the remote pushing back; null for any other failure. */
	pushback?: (error: unknown) => Pushback | null;
	/** Longest pause a Retry-After can impose (a remote asking for an hour gets this). */
	maxPauseMs?: number;
}

/** The rate never drops below this many requests a second. */
const MIN_PER_SECOND = 1;
/**
 * Additive increase: each answered request gives back this share of the configured rate, so 20
 * answers in a row restore it from the floor, and a 1-in-10 trickle of 503s (one halving per 10
 * requests) keeps it near the top instead of grinding it down to the floor.
 */
const RECOVERY_SHARE = 1 / 20;
const DEFAULT_MAX_PAUSE_MS = 60_000;

/**
 * Keeps a run polite: at most `concurrency` requests in flight and at most `perSecond` started per
 * second, adapted to the remote (AIMD). When it pushes back (429, 503) the rate halves, once per
 * round of requests (several requests in flight that fail together count as one push), and each
 * answered request adds a little back, up to the configured rate. A Retry-After pauses every start,
 * not only the retry of the request that got it.
 */
export class RequestLimiter {
	#inFlight = 0;
	#waiting: (() => void)[] = [];
	readonly #concurrency: number;
	readonly #ceiling: number;
	readonly #pushback: LimiterOptions['pushback'];
	readonly #maxPauseMs: number;
	#perSecond: number;
	#nextStart = 0;
	#pausedUntil = 0;
	/** Bumped by every decrease: a request started before it cannot cause another. */
	#epoch = 0;

	constructor(options: LimiterOptions) {
		this.#concurrency = Math.max(1, options.concurrency);
		this.#ceiling = Math.max(MIN_PER_SECOND, options.perSecond);
		this.#perSecond = this.#ceiling;
		this.#pushback = options.pushback;
		this.#maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
	}

	/** The current rate ceiling in requests per second. */
	get perSecond(): number {
		return this.#perSecond;
	}

	/** Until when (performance.now() time) a Retry-After holds every start back; 0 when none. */
	get pausedUntil(): number {
		return this.#pausedUntil;
	}

	/**
	 * Runs `task` when a slot is free and the rate allows; frees the slot when it settles. Its
	 * outcome adapts the rate: success adds, pushback (see `pushback`) halves and may pause.
	 */
	async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
		await this.#acquire(signal);
		try {
			await this.#pace(signal);
			const epoch = this.#epoch;
			let result: T;
			try {
				result = await task();
			} catch (error) {
				const pushback = this.#pushback?.(error);
				if (pushback) this.#pushedBack(epoch, pushback);
				throw error;
			}
			this.#answered();
			return result;
		} finally {
			this.#release();
		}
	}

	#answered(): void {
		this.#perSecond = Math.min(this.#ceiling, this.#perSecond + this.#ceiling * RECOVERY_SHARE);
	}

	#pushedBack(epoch: number, pushback: Pushback): void {
		if (pushback.retryAfterMs !== undefined) {
			const pause = Math.min(Math.max(0, pushback.retryAfterMs), this.#maxPauseMs);
			this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + pause);
		}
		if (epoch !== this.#epoch) return;
		this.#epoch++;
		this.#perSecond = Math.max(MIN_PER_SECOND, this.#perSecond / 2);
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

	/** Waits for this request's start slot; a pause that began meanwhile moves it. */
	async #pace(signal?: AbortSignal): Promise<void> {
		for (;;) {
			const now = performance.now();
			const pausedUntil = this.#pausedUntil;
			const start = Math.max(now, this.#nextStart, pausedUntil);
			this.#nextStart = start + 1000 / this.#perSecond;
			if (start <= now) return;
			await sleep(start - now, signal);
			if (this.#pausedUntil <= pausedUntil) return;
		}
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
