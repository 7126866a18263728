import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { rooms } from '#lib/shared/events.ts';
import { LIVE_HISTORY, LIVE_INTERVAL_MS, type LiveSample } from '#lib/shared/usage.ts';
import type { RealtimeBus } from '../realtime/bus.ts';

export interface LiveSources {
	bus: RealtimeBus;
	/** AI answers streaming now. */
	activeStreams: () => number;
	/** Note documents loaded in memory (0 until the notes feature provides it). */
	openNotes: () => number;
}

const ns = (value: number) => Math.round(value / 1e4) / 100;

/**
 * The operators' live panel: samples the process every 2 s (sockets, people, rooms, events in and
 * out, streaming answers, open notes, memory, event-loop delay), keeps the last 2 minutes for the
 * sparklines, and sends each sample to the `admin` room while an admin has the panel open. Only
 * sockets in that room ever receive it; the room holds admins only (see realtime/handshake.ts).
 */
export class LiveMetrics {
	readonly #sources: LiveSources;
	readonly #history: LiveSample[] = [];
	readonly #watchers = new Set<string>();
	readonly #loop: ELDHistogram = monitorEventLoopDelay({ resolution: 10 });
	#timer: ReturnType<typeof setInterval> | undefined;
	#eventsIn = 0;
	#eventsOut = 0;
	#since = performance.now();

	constructor(sources: LiveSources) {
		this.#sources = sources;
	}

	start(intervalMs = LIVE_INTERVAL_MS): void {
		if (this.#timer) return;
		this.#loop.enable();
		this.#since = performance.now();
		this.#timer = setInterval(() => this.#tick(), intervalMs);
		this.#timer.unref();
	}

	stop(): void {
		clearInterval(this.#timer);
		this.#timer = undefined;
		this.#loop.disable();
	}

	/** A socket event arrived (called for every client→server event). */
	countIn(): void {
		this.#eventsIn++;
	}

	/** A socket event was sent to one socket. */
	countOut(): void {
		this.#eventsOut++;
	}

	/** An admin socket opened the panel; returns the history for its sparklines. */
	watch(socketId: string): LiveSample[] {
		this.#watchers.add(socketId);
		return [...this.#history];
	}

	unwatch(socketId: string): void {
		this.#watchers.delete(socketId);
	}

	get watching(): number {
		return this.#watchers.size;
	}

	#tick(): void {
		const sample = this.sample();
		this.#history.push(sample);
		if (this.#history.length > LIVE_HISTORY) this.#history.shift();
		const io = this.#sources.bus.io;
		const admins = io?.of('/').adapter.rooms.get(rooms.admin);
		// Forget watchers that went away or are no longer admins.
		for (const id of this.#watchers) if (!admins?.has(id)) this.#watchers.delete(id);
		if (this.#watchers.size) this.#sources.bus.emit(rooms.admin, 'usage:live', sample);
	}

	/** Takes a reading now; the event rates and loop delay cover the time since the last one. */
	sample(): LiveSample {
		const now = performance.now();
		const seconds = Math.max((now - this.#since) / 1000, 0.001);
		const io = this.#sources.bus.io;
		const namespace = io?.of('/');
		const people = new Set<string>();
		for (const socket of namespace?.sockets.values() ?? []) people.add(socket.data.userId);
		let rooms = 0;
		const adapter = namespace?.adapter;
		// Every socket also sits in a room named after its id; those are not counted.
		for (const name of adapter?.rooms.keys() ?? []) if (!adapter?.sids.has(name)) rooms++;
		const memory = process.memoryUsage();
		const sample: LiveSample = {
			at: Date.now(),
			connectedUsers: people.size,
			sockets: namespace?.sockets.size ?? 0,
			rooms,
			eventsInPerSec: Math.round((this.#eventsIn / seconds) * 10) / 10,
			eventsOutPerSec: Math.round((this.#eventsOut / seconds) * 10) / 10,
			activeStreams: this.#sources.activeStreams(),
			openNotes: this.#sources.openNotes(),
			rssBytes: memory.rss,
			heapUsedBytes: memory.heapUsed,
			loopDelayMeanMs: this.#loop.count ? ns(this.#loop.mean) : 0,
			loopDelayP99Ms: this.#loop.count ? ns(this.#loop.percentile(99)) : 0,
			loopDelayMaxMs: this.#loop.count ? ns(this.#loop.max) : 0
		};
		this.#eventsIn = 0;
		this.#eventsOut = 0;
		this.#since = now;
		this.#loop.reset();
		return sample;
	}
}
