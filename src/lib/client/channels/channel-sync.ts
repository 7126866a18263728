import type { ChannelChanges } from '#lib/shared/channels.ts';
import type { ErrorBody } from '#lib/shared/errors.ts';
import { Timeline } from './timeline.ts';
import type { Transport } from './transport.ts';

const GAP_WAIT_MS = 250;

/**
 * Keeps one channel's Timeline equal to the server's: loads the newest page, applies live changes,
 * and catches up from the cursor after any reconnect or detected gap (and whenever the page asks,
 * e.g. on visibilitychange, pageshow or online). Catch-ups never overlap; a request during one
 * runs once more afterwards.
 */
export class ChannelSync {
	readonly timeline: Timeline;
	error: ErrorBody | null = null;
	loaded = false;
	readonly #transport: Transport;
	readonly #onChange: () => void;
	readonly #unsubscribe: (() => void)[] = [];
	/** Live changes that arrive while the first page loads. */
	#buffer: ChannelChanges[] | null = [];
	#running: Promise<void> | null = null;
	#again = false;
	#gapTimer: ReturnType<typeof setTimeout> | undefined;
	#closed = false;

	constructor(channelId: string, transport: Transport, onChange: () => void = () => {}) {
		this.timeline = new Timeline(channelId);
		this.#transport = transport;
		this.#onChange = onChange;
	}

	get channelId(): string {
		return this.timeline.channelId;
	}

	/** Subscribes and loads the newest page. */
	async open(limit = 50): Promise<void> {
		this.#unsubscribe.push(
			this.#transport.on('channel:change', (changes) => this.#onLive(changes)),
			this.#transport.onConnected(() => void this.catchUp())
		);
		await this.#loadLatest(limit);
	}

	close(): void {
		this.#closed = true;
		clearTimeout(this.#gapTimer);
		for (const off of this.#unsubscribe.splice(0)) off();
	}

	/** Brings the timeline up to date with the server. */
	catchUp(): Promise<void> {
		if (!this.loaded || this.#closed) return Promise.resolve();
		if (this.#running) {
			this.#again = true;
			return this.#running;
		}
		this.#running = this.#catchUpLoop().finally(() => (this.#running = null));
		return this.#running;
	}

	/** Loads the page before the oldest loaded message. */
	async loadOlder(limit = 50): Promise<void> {
		const { timeline } = this;
		if (!timeline.hasMoreBefore) return;
		const result = await this.#transport.emit('channel:history', {
			channelId: this.channelId,
			before: timeline.oldestLoadedSeq,
			limit
		});
		if (!result.ok) return this.#fail(result.error);
		timeline.addOlder(result.data);
		this.#onChange();
	}

	async #catchUpLoop(): Promise<void> {
		do {
			this.#again = false;
			if (!this.#transport.connected) return;
			const result = await this.#transport.emit('channel:sync', {
				channelId: this.channelId,
				since: this.timeline.cursor
			});
			if (!result.ok) return this.#fail(result.error);
			if (result.data.truncated) await this.#loadLatest();
			else this.timeline.apply(result.data, 'catch-up');
			this.error = null;
			this.#onChange();
		} while (this.#again && !this.#closed);
	}

	async #loadLatest(limit = 50): Promise<void> {
		this.#buffer ??= [];
		const result = await this.#transport.emit('channel:history', {
			channelId: this.channelId,
			limit
		});
		if (!result.ok) return this.#fail(result.error);
		this.timeline.reset(result.data);
		const buffered = this.#buffer;
		this.#buffer = null;
		this.loaded = true;
		for (const changes of buffered) this.#onLive(changes);
		this.#onChange();
	}

	#onLive(changes: ChannelChanges): void {
		if (changes.channelId !== this.channelId) return;
		if (this.#buffer) {
			this.#buffer.push(changes);
			return;
		}
		const gap = this.timeline.apply(changes, 'live');
		this.#onChange();
		if (gap) {
			clearTimeout(this.#gapTimer);
			// Out-of-order delivery usually fills itself within a moment; otherwise catch up.
			this.#gapTimer = setTimeout(() => {
				if (this.timeline.behind) void this.catchUp();
			}, GAP_WAIT_MS);
		}
	}

	#fail(error: ErrorBody): void {
		this.error = error;
		this.#onChange();
	}
}
