import { tzOffset } from '@date-fns/tz';
import { AppError } from '../errors.ts';

/** Seconds in a rollup bucket (a quarter-hour) and in a UTC day. */
export const QUARTER = 900;
export const DAY = 86_400;
export const QUARTERS_PER_DAY = DAY / QUARTER;

/** From this bucket on (until the next segment), local time is UTC + `offset` seconds. */
export interface OffsetSegment {
	fromBucket: number;
	offset: number;
}

/** A run of local days and the UTC instants it covers: [start, end), epoch seconds. */
export interface Span {
	firstDay: number;
	lastDay: number;
	start: number;
	end: number;
}

/** Quarter-hours [from, to) of UTC day `day` that fall on another local day, `localDay`. */
export interface DayShift {
	day: number;
	localDay: number;
	from: number;
	to: number;
}

/** The bits of one UTC day's quarter-hours that fall on one local day. */
export interface DayPiece {
	day: number;
	localDay: number;
	lo: bigint;
	hi: bigint;
}

/** 'YYYY-MM-DD' for a day number (days since 1970-01-01 on the local calendar). */
export function dayString(day: number): string {
	return new Date(day * DAY * 1000).toISOString().slice(0, 10);
}

/** The day number of 'YYYY-MM-DD', or NaN when it is not a real date. */
export function parseDay(text: string): number {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
	if (!match) return Number.NaN;
	const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
	const ms = Date.UTC(y, m - 1, d);
	const back = new Date(ms);
	if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
		return Number.NaN;
	}
	return ms / 1000 / DAY;
}

/**
 * Whether `tz` names a time zone this runtime knows (IANA names such as Europe/Paris, or UTC).
 * Numeric offsets are refused: they have no daylight saving time and are easy to get wrong.
 */
export function isTimeZone(tz: string): boolean {
	if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(tz)) return false;
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: tz });
		return true;
	} catch {
		return false;
	}
}

/**
 * Local calendar arithmetic in one time zone, in whole quarter-hours. Every offset in use since 1972
 * is a multiple of 15 minutes (Nepal +5:45, Chatham +12:45) and every transition falls on a quarter
 * hour, so a local day or hour is always a whole number of UTC quarter-hour buckets; the calendar
 * checks this and refuses a zone where it does not hold.
 */
export class Calendar {
	readonly tz: string;
	readonly #offsets = new Map<number, number>();

	constructor(tz: string) {
		if (!isTimeZone(tz)) {
			throw new AppError('validation', `Unknown time zone "${tz}".`, {
				fields: { tz: 'Use an IANA time zone such as Europe/Paris.' }
			});
		}
		this.tz = tz;
	}

	/** Local time minus UTC, in seconds, at a quarter-hour bucket. */
	offsetAt(bucket: number): number {
		let offset = this.#offsets.get(bucket);
		if (offset === undefined) {
			offset = Math.round(tzOffset(this.tz, new Date(bucket * QUARTER * 1000)) * 60);
			if (!Number.isFinite(offset) || offset % QUARTER !== 0) {
				throw new AppError(
					'validation',
					`The time zone ${this.tz} uses an offset that is not a whole quarter-hour.`,
					{ fields: { tz: 'Choose another time zone.' } }
				);
			}
			if (this.#offsets.size > 50_000) this.#offsets.clear();
			this.#offsets.set(bucket, offset);
		}
		return offset;
	}

	/** The local day a bucket falls on. */
	localDayOf(bucket: number): number {
		return Math.floor((bucket * QUARTER + this.offsetAt(bucket)) / DAY);
	}

	/** The local day of an instant (epoch seconds). */
	dayOfInstant(seconds: number): number {
		return this.localDayOf(Math.floor(seconds / QUARTER));
	}

	/**
	 * The first bucket of a local day: the earliest bucket from which on every bucket is on that
	 * day or later. Found by bisection over the ±16 h around the naive UTC midnight.
	 */
	dayStartBucket(day: number): number {
		let lo = day * QUARTERS_PER_DAY - 64;
		let hi = day * QUARTERS_PER_DAY + 64;
		while (lo < hi) {
			const mid = Math.floor((lo + hi) / 2);
			if (this.localDayOf(mid) >= day) hi = mid;
			else lo = mid + 1;
		}
		return lo;
	}

	/** The UTC instants covered by local days first..last. */
	span(firstDay: number, lastDay: number): Span {
		return {
			firstDay,
			lastDay,
			start: this.dayStartBucket(firstDay) * QUARTER,
			end: this.dayStartBucket(lastDay + 1) * QUARTER
		};
	}

	/** The offset changes over [start, end), to turn buckets into local time in SQL. */
	segments(start: number, end: number): OffsetSegment[] {
		const first = Math.floor(start / QUARTER);
		const last = Math.ceil(end / QUARTER);
		const segments: OffsetSegment[] = [{ fromBucket: first, offset: this.offsetAt(first) }];
		// Offsets change at most a few times a year: step a day at a time, bisect where one changed.
		for (let from = first; from < last; from += QUARTERS_PER_DAY) {
			const to = Math.min(from + QUARTERS_PER_DAY, last);
			if (this.offsetAt(to) === this.offsetAt(from)) continue;
			let lo = from + 1;
			let hi = to;
			while (lo < hi) {
				const mid = Math.floor((lo + hi) / 2);
				if (this.offsetAt(mid) !== this.offsetAt(from)) hi = mid;
				else lo = mid + 1;
			}
			segments.push({ fromBucket: lo, offset: this.offsetAt(lo) });
		}
		return segments;
	}

	/**
	 * For each UTC day the span touches, the quarter-hours inside the span grouped by the local day
	 * they belong to, as two 48-bit masks (quarters 0–47 and 48–95 of the UTC day).
	 *
	 * A quarter's offset comes from the span's segments, not from asking the time zone database for
	 * each one (a 90-day page has about 17,000 quarters, and each lookup formats a date through
	 * Intl: a quarter of a second of the server's main thread per page). The masks are built as
	 * numbers, exact up to 2^53, and turned into BigInts once per piece.
	 */
	dayPieces(span: Span): DayPiece[] {
		const pieces: DayPiece[] = [];
		const firstQ = span.start / QUARTER;
		const lastQ = span.end / QUARTER;
		const segments = this.segments(span.start, span.end);
		let s = 0;
		for (let day = Math.floor(firstQ / QUARTERS_PER_DAY); day * DAY < span.end; day++) {
			const byLocalDay = new Map<number, { lo: number; hi: number }>();
			for (let j = 0; j < QUARTERS_PER_DAY; j++) {
				const q = day * QUARTERS_PER_DAY + j;
				if (q < firstQ || q >= lastQ) continue;
				while (s + 1 < segments.length && segments[s + 1].fromBucket <= q) s++;
				const local = Math.floor((q * QUARTER + segments[s].offset) / DAY);
				let piece = byLocalDay.get(local);
				if (!piece) byLocalDay.set(local, (piece = { lo: 0, hi: 0 }));
				if (j < 48) piece.lo += 2 ** j;
				else piece.hi += 2 ** (j - 48);
			}
			for (const [localDay, { lo, hi }] of byLocalDay) {
				pieces.push({ day, localDay, lo: BigInt(lo), hi: BigInt(hi) });
			}
		}
		return pieces;
	}

	/**
	 * The quarter-hours of UTC days first..last that belong to another local day than the UTC day
	 * itself, as runs: what a per-UTC-day rollup must move to turn its days into local ones (a day in
	 * Berlin is UTC day d less its last one or two hours, plus those of day d − 1).
	 */
	dayShifts(first: number, last: number): DayShift[] {
		const shifts: DayShift[] = [];
		const segments = this.segments(first * DAY, (last + 1) * DAY);
		let s = 0;
		for (let day = first; day <= last; day++) {
			let run: DayShift | null = null;
			for (let j = 0; j < QUARTERS_PER_DAY; j++) {
				const q = day * QUARTERS_PER_DAY + j;
				while (s + 1 < segments.length && segments[s + 1].fromBucket <= q) s++;
				const localDay = Math.floor((q * QUARTER + segments[s].offset) / DAY);
				if (run && run.localDay === localDay) {
					run.to = q + 1;
					continue;
				}
				run = localDay === day ? null : { day, localDay, from: q, to: q + 1 };
				if (run) shifts.push(run);
			}
		}
		return shifts;
	}
}
