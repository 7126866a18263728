/**
 * Runs `fn` at most once every `ms`: the first call runs at once, later ones within the window are
 * folded into one trailing run. For re-rendering a streaming answer's Markdown a few times a second
 * instead of on every token.
 */
export class Throttle {
	readonly #fn: () => void;
	readonly #ms: number;
	readonly #now: () => number;
	#last = -Infinity;
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(fn: () => void, ms: number, now: () => number = () => performance.now()) {
		this.#fn = fn;
		this.#ms = ms;
		this.#now = now;
	}

	/** Asks for a run: now if the window has passed, else once when it does. */
	schedule(): void {
		if (this.#timer !== undefined) return;
		const wait = this.#last + this.#ms - this.#now();
		if (wait <= 0) this.#run();
		else this.#timer = setTimeout(() => this.#run(), wait);
	}

	/** Runs now, dropping any pending run. */
	flush(): void {
		this.cancel();
		this.#run();
	}

	cancel(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
	}

	#run(): void {
		this.#timer = undefined;
		this.#last = this.#now();
		this.#fn();
	}
}
