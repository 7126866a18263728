/**
 * Group commit for one note: a write starts `delayMs` after the first push and takes everything
 * pushed until then, and items pushed while a write is running go into the next one, so a burst of
 * updates costs one transaction instead of one each. A push resolves once its batch is written;
 * batches are written strictly one after another, in order.
 */
export class StoreQueue<T> {
	readonly #write: (batch: T[]) => Promise<void>;
	readonly #delayMs: number;
	#pending: T[] = [];
	#next: PromiseWithResolvers<undefined> | null = null;
	#running = false;

	constructor(write: (batch: T[]) => Promise<void>, options: { delayMs?: number } = {}) {
		this.#write = write;
		this.#delayMs = options.delayMs ?? 0;
	}

	/** Whether nothing is queued or being written. */
	get idle(): boolean {
		return !this.#running && this.#pending.length === 0;
	}

	/** Queues an item; resolves once it is written, rejects if its batch failed. */
	push(item: T): Promise<void> {
		this.#pending.push(item);
		return this.#schedule();
	}

	/** Resolves once everything queued before this call is written (or has failed). */
	drain(): Promise<void> {
		if (this.idle) return Promise.resolve();
		return this.#schedule().catch(() => {});
	}

	#schedule(): Promise<void> {
		this.#next ??= Promise.withResolvers<undefined>();
		if (!this.#running) {
			this.#running = true;
			// Never a microtask: updates read from other sockets in this turn join the batch.
			if (this.#delayMs > 0) setTimeout(() => void this.#loop(), this.#delayMs);
			else setImmediate(() => void this.#loop());
		}
		return this.#next.promise;
	}

	async #loop(): Promise<void> {
		while (this.#next) {
			const done = this.#next;
			const batch = this.#pending.splice(0);
			this.#next = null;
			try {
				if (batch.length) await this.#write(batch);
				done.resolve(undefined);
			} catch (error) {
				done.reject(error);
			}
		}
		this.#running = false;
	}
}
