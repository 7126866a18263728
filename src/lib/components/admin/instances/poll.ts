import { invalidateAll } from '$app/navigation';
import type { SyncRunDto } from '#lib/shared/sync.ts';
import type { SyncMonitor } from '#lib/client/admin/sync-monitor.svelte.ts';

const EVERY_MS = 5000;

/**
 * Reloads the page's data every few seconds while a run is recorded as running but this server
 * sends no progress for it (it runs in another process, e.g. the CLI). Returns the `$effect`
 * cleanup.
 */
export function pollWhileElsewhere(
	lastRuns: () => (SyncRunDto | null)[],
	monitor: SyncMonitor
): (() => void) | undefined {
	const elsewhere = lastRuns().some(
		(run) => run?.status === 'running' && !monitor.running(run.instanceId)
	);
	if (!elsewhere) return undefined;
	const timer = setInterval(() => void invalidateAll(), EVERY_MS);
	return () => clearInterval(timer);
}
