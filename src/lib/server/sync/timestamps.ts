/**
 * Open WebUI stores epoch seconds, but legacy and imported data carry milliseconds (and Ollama
 * durations nanoseconds). These helpers read any of them as seconds and keep report days sane.
 */

/** 2000-01-01: anything earlier is treated as missing. */
const EARLIEST_S = 946_684_800;
/** Open WebUI's own rule: more than a day ahead is not a real time. */
const FUTURE_TOLERANCE_S = 86_400;

/** A number or numeric string in s, ms, µs or ns, as epoch seconds; null when absent or invalid. */
export function toEpochSeconds(value: unknown): number | null {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return null;
	if (n > 1e17) return n / 1e9;
	if (n > 1e14) return n / 1e6;
	if (n > 1e11) return n / 1e3;
	return n;
}

export type TimeProblem = 'missing' | 'future' | null;

/**
 * A remote timestamp as a Date: `fallback` (seconds) when it is missing, before 2000, or more than
 * a day after `nowS`; the problem is reported so the run can warn about it.
 */
export function remoteTime(
	value: unknown,
	fallbackS: number,
	nowS: number
): { date: Date; problem: TimeProblem } {
	const s = toEpochSeconds(value);
	if (s === null || s < EARLIEST_S) return { date: fromSeconds(fallbackS), problem: 'missing' };
	if (s > nowS + FUTURE_TOLERANCE_S) return { date: fromSeconds(fallbackS), problem: 'future' };
	return { date: fromSeconds(s), problem: null };
}

export function fromSeconds(s: number): Date {
	return new Date(Math.round(s * 1000));
}

/** The UTC day of a date, as the rollups key it: "2026-11-27". */
export function utcDay(date: Date): string {
	return date.toISOString().slice(0, 10);
}
