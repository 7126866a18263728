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
