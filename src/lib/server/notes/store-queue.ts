/**
 * Group commit for one note: items pushed while a write is running are written together by the
 * next one, so a burst of updates costs one transaction instead of one each. A push resolves once
 * its batch is written; batches are written strictly one after another, in order.
 */
export class StoreQueue<T> {
	readonly #write: (batch: T[]) => Promise<void>;
	#pending: T[] = [];
	#next: PromiseWithResolvers<undefined> | null = null;
	#running = false;

	constructor(write: (batch: T[]) => Promise<void>) {
		this.#write = write;
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
			// setImmediate, not a microtask: updates read from other sockets in this turn join the batch.
			setImmediate(() => void this.#loop());
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
