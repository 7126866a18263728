import type { EntityCounts, RunStatus, RunTrigger } from '#lib/shared/sync.ts';

/** Fixed locale, so server-rendered and hydrated numbers agree. */
const numbers = new Intl.NumberFormat('en-US');

export function count(n: number): string {
	return numbers.format(n);
}

/** "850 ms", "12.3 s", "4 min 05 s". */
export function duration(ms: number | null): string {
	if (ms === null) return '—';
	if (ms < 1000) return `${ms} ms`;
	if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
	const minutes = Math.floor(ms / 60_000);
	const seconds = Math.round((ms % 60_000) / 1000);
	return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** "+12 ~3 −1" (added, updated, deleted), with failures when there were any. */
export function changes(c: EntityCounts): string {
	const parts = [`+${count(c.added)}`, `~${count(c.updated)}`, `−${count(c.deleted)}`];
	if (c.failed) parts.push(`✗${count(c.failed)}`);
	return parts.join(' ');
}

export const STATUS: Record<
	RunStatus,
	{ label: string; tone: 'neutral' | 'success' | 'warning' | 'danger' | 'info' }
> = {
	running: { label: 'Running', tone: 'info' },
	succeeded: { label: 'Succeeded', tone: 'success' },
	partial: { label: 'Partly failed', tone: 'warning' },
	failed: { label: 'Failed', tone: 'danger' },
	cancelled: { label: 'Stopped', tone: 'neutral' },
	interrupted: { label: 'Interrupted', tone: 'warning' }
};

export const TRIGGERS: Record<RunTrigger, string> = {
	manual: 'Sync now',
	schedule: 'Schedule',
	cli: 'CLI'
};
