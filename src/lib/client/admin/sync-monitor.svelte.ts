import type { RealtimeClient } from '../realtime.svelte.ts';
import type { SyncProgress, SyncRunDto } from '#lib/shared/sync.ts';

/**
 * Live sync progress for the admin Instances pages: the latest `sync:progress` per instance, from
 * the page's data at first and then from the socket. Calls `onRunChanged` when a run starts or
 * ends, so the page can reload its run history.
 */
export class SyncMonitor {
	#progress = $state.raw<Record<string, SyncProgress>>({});
	#unsubscribe: (() => void)[];

	constructor(
		realtime: RealtimeClient,
		initial: Record<string, SyncProgress | null>,
		onRunChanged: (run: SyncRunDto) => void
	) {
		this.seed(initial);
		this.#unsubscribe = [
			realtime.on('sync:progress', (progress) => {
				this.#progress = { ...this.#progress, [progress.instanceId]: progress };
			}),
			realtime.on('sync:run', (run) => onRunChanged(run))
		];
	}

	/** Adds progress from page data (a load after navigation), unless a newer run is known. */
	seed(progress: Record<string, SyncProgress | null>): void {
		const next = { ...this.#progress };
		let changed = false;
		for (const [id, p] of Object.entries(progress)) {
			const known = next[id];
			if (!p || (known && known.startedAt >= p.startedAt)) continue;
			next[id] = p;
			changed = true;
		}
		if (changed) this.#progress = next;
	}

	/** The instance's latest progress (a finished run's stays until the next one starts). */
	of(instanceId: string): SyncProgress | null {
		return this.#progress[instanceId] ?? null;
	}

	running(instanceId: string): boolean {
		return this.#progress[instanceId]?.status === 'running';
	}

	destroy(): void {
		for (const off of this.#unsubscribe) off();
	}
}
