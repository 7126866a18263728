import { AppError } from '../errors.ts';
import {
	MAX_RANGE_DAYS,
	RANGE_MAX_DATE,
	RANGE_MIN_DATE,
	type RangePreset,
	type ReportWindow
} from '#lib/shared/usage.ts';
import { Calendar, dayString, parseDay, type Span } from './calendar.ts';

/** A report's time frame: the chosen local days, the same number of days before, and "now". */
export interface ResolvedRange {
	calendar: Calendar;
	current: Span;
	previous: Span;
	days: number;
	/** Today's local day number. */
	today: number;
	/** Epoch seconds the range was resolved at. */
	now: number;
}

const PRESET_DAYS: Record<Exclude<RangePreset, 'custom'>, number> = {
	today: 1,
	'7d': 7,
	'30d': 30,
	'90d': 90
};

function invalid(field: string, message: string): AppError {
	return new AppError('validation', message, { fields: { [field]: message } });
}

/**
 * Turns the query's range into local days and UTC instants in the viewer's time zone. Presets end
 * today; a custom range is `from`..`to` inclusive. Refuses unknown zones, impossible or inverted
 * dates, dates outside 2000–2100 and ranges longer than a year.
 */
export function resolveRange(
	query: { range?: RangePreset; from?: string; to?: string; tz: string },
	now = Date.now() / 1000
): ResolvedRange {
	const calendar = new Calendar(query.tz);
	const today = calendar.dayOfInstant(now);
	const preset = query.range ?? (query.from || query.to ? 'custom' : '30d');
	let firstDay: number;
	let lastDay: number;
	if (preset === 'custom') {
		if (!query.from || !query.to) {
			throw invalid(query.from ? 'to' : 'from', 'A custom range needs both from and to dates.');
		}
		firstDay = parseDay(query.from);
		lastDay = parseDay(query.to);
		if (Number.isNaN(firstDay)) throw invalid('from', `${query.from} is not a date.`);
		if (Number.isNaN(lastDay)) throw invalid('to', `${query.to} is not a date.`);
		const min = parseDay(RANGE_MIN_DATE);
		const max = parseDay(RANGE_MAX_DATE);
		for (const [field, day] of [
			['from', firstDay],
			['to', lastDay]
		] as const) {
			if (day < min || day > max) {
				throw invalid(field, `Dates must be between ${RANGE_MIN_DATE} and ${RANGE_MAX_DATE}.`);
			}
		}
		if (firstDay > lastDay) throw invalid('from', 'The start date is after the end date.');
		if (lastDay - firstDay + 1 > MAX_RANGE_DAYS) {
			throw invalid('to', `A range can be at most ${MAX_RANGE_DAYS} days long.`);
		}
	} else {
		lastDay = today;
		firstDay = today - PRESET_DAYS[preset] + 1;
	}
	const days = lastDay - firstDay + 1;
	return {
		calendar,
		current: calendar.span(firstDay, lastDay),
		previous: calendar.span(firstDay - days, firstDay - 1),
		days,
		today,
		now
	};
}

/** The window as reports echo it. */
export function describeWindow(range: ResolvedRange): ReportWindow {
	const { current, previous, calendar } = range;
	return {
		tz: calendar.tz,
		from: dayString(current.firstDay),
		to: dayString(current.lastDay),
		days: range.days,
		start: new Date(current.start * 1000).toISOString(),
		end: new Date(current.end * 1000).toISOString(),
		previous: { from: dayString(previous.firstDay), to: dayString(previous.lastDay) }
	};
}

/** The days of a span that have begun by `now` (at least one), for per-day averages. */
export function elapsedDays(range: ResolvedRange, span: Span): number {
	return Math.max(1, Math.min(span.lastDay, range.today) - span.firstDay + 1);
}
