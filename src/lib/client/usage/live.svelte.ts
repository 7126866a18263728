import { LIVE_HISTORY, type LiveSample } from '#lib/shared/usage.ts';
import type { RealtimeClient } from '../realtime.svelte.ts';

/**
 * The live operations panel's data: asks the server to send readings (admins only), keeps the
 * last two minutes for the sparklines, and asks again after every reconnect.
 */
export class LiveState {
	readonly #realtime: RealtimeClient;
	readonly #unsubscribe: (() => void)[] = [];
	#samples = $state.raw<LiveSample[]>([]);
	#error = $state<string | null>(null);

	constructor(realtime: RealtimeClient) {
		this.#realtime = realtime;
		this.#unsubscribe.push(
			realtime.on('usage:live', (sample) => this.#add([sample])),
			realtime.onConnected(() => void this.#watch())
		);
		if (realtime.connected) void this.#watch();
	}

	get samples(): LiveSample[] {
		return this.#samples;
	}

	get latest(): LiveSample | undefined {
		return this.#samples.at(-1);
	}

	get error(): string | null {
		return this.#error;
	}

	async #watch(): Promise<void> {
		const ack = await this.#realtime.emit('usage:live:watch', { watch: true });
		if (ack.ok) {
			this.#error = null;
			this.#add(ack.data.samples);
		} else {
			this.#error = ack.error.message;
		}
	}

	#add(samples: LiveSample[]): void {
		const last = this.#samples.at(-1)?.at ?? 0;
		const merged = [...this.#samples, ...samples.filter((s) => s.at > last)];
		merged.sort((a, b) => a.at - b.at);
		this.#samples = merged.slice(-LIVE_HISTORY);
	}

	destroy(): void {
		for (const off of this.#unsubscribe) off();
		if (this.#realtime.connected) void this.#realtime.emit('usage:live:watch', { watch: false });
	}
}
