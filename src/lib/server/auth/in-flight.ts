/**
 * Writes keyed by what they are for (a session's renewal, a token's last use): a caller whose key
 * already has a write on its way waits for that one instead of starting another, so a burst of
 * requests or handshakes of one credential costs one write.
 */
export class InFlight {
	readonly #running = new Map<string, Promise<unknown>>();

	async join(key: string, start: () => Promise<unknown>): Promise<void> {
		let write = this.#running.get(key);
		if (!write) {
			write = start().finally(() => this.#running.delete(key));
			this.#running.set(key, write);
		}
		await write;
	}
}
