const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
	month: 'short',
	day: 'numeric',
	hour: 'numeric',
	minute: '2-digit'
});
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "14:05" today, "Nov 3, 14:05" otherwise. */
export function formatMessageTime(iso: string): string {
	const date = new Date(iso);
	const today = new Date().toDateString() === date.toDateString();
	return (today ? time : dayAndTime).format(date);
}

/** For tooltips: the full date and time. */
export function formatFull(iso: string): string {
	return full.format(new Date(iso));
}

/** "5 minutes ago", "yesterday". */
export function formatRelative(iso: string, now = Date.now()): string {
	const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
	const units: [Intl.RelativeTimeFormatUnit, number][] = [
		['year', 31_536_000],
		['month', 2_592_000],
		['week', 604_800],
		['day', 86_400],
		['hour', 3600],
		['minute', 60]
	];
	for (const [unit, size] of units) {
		if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
	}
	return 'just now';
}

/**
 * Formats an ISO timestamp as a short date and time. On the server (and during hydration) pass
 * `timeZone: 'UTC'` so the markup is deterministic; the browser then shows its own time zone.
 */
export function formatDateTime(iso: string, options: { timeZone?: string } = {}): string {
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return '—';
	return new Intl.DateTimeFormat(options.timeZone ? 'en-GB' : undefined, {
		dateStyle: 'medium',
		timeStyle: 'short',
		timeZone: options.timeZone
	}).format(date);
}

/** A short date ("27 Nov 2026"); see formatDateTime for `timeZone`. */
export function formatDate(iso: string, options: { timeZone?: string } = {}): string {
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return '—';
	return new Intl.DateTimeFormat(options.timeZone ? 'en-GB' : undefined, {
		dateStyle: 'medium',
		timeZone: options.timeZone
	}).format(date);
}

/** "1 user", "3 users". */
export function plural(count: number, one: string, many = `${one}s`): string {
	return `${count} ${count === 1 ? one : many}`;
}
