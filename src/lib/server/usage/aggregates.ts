/**
 * The aggregates reports are made of, computed once per request and shared: the summary, the
 * engagement card and the active-users chart read one activity scan; the model table, the top models
 * and the comparison read one per-model scan; the user table and the top users one per-user scan.
 */
import { BIN_COLUMNS, MEASURES, USER_MEASURES, type Measure } from './fact-sql.ts';
import { DAY } from './calendar.ts';
import type { ResolvedRange } from './range.ts';
import { bucketSource, localDaySource, localSeconds, personTotals, type Scope } from './sources.ts';
import { dailyActive, personWindows } from './active-people.ts';
import { byteOrder } from './fact-sql.ts';
import type { ReadDb } from '../db/read-db.ts';
import { raw, q } from '../db/sql.ts';

export type Totals = Record<Measure, number>;
export interface ModelAgg extends Totals {
	model: string;
}
/** Answers per time-to-first-token bin, per model. */
export type Latency = Map<string, number[]>;
export type UserAgg = Record<(typeof USER_MEASURES)[number], number> & {
	instanceId: string;
	userId: string;
};
export interface DailyRow {
	localDay: number;
	model: string;
	messages: number;
	answers: number;
	promptTokens: number;
	completionTokens: number;
}
/** Distinct people over the windows the dashboard shows. */
export interface ActivityStats {
	/** Active people per local day, from the previous period's first day (30 days back at least). */
	perDay: Map<number, number>;
	current: number;
	previous: number;
	/** Active in both the current and the previous period. */
	returning: number;
	weekly: number;
	monthly: number;
	weeklyBefore: number;
	monthlyBefore: number;
}

const sums = (names: readonly string[]) =>
	raw(names.map((c) => `COALESCE(SUM("${c}"), 0) AS "${c}"`).join(', '));

export class UsageFacts {
	readonly db: ReadDb;
	readonly scope: Scope;
	readonly range: ResolvedRange;
	readonly #memo = new Map<string, Promise<unknown>>();

	constructor(db: ReadDb, scope: Scope, range: ResolvedRange) {
		this.db = db;
		this.scope = scope;
		this.range = range;
	}

	#once<T>(key: string, compute: () => Promise<T>): Promise<T> {
		if (!this.#memo.has(key)) this.#memo.set(key, compute());
		return this.#memo.get(key) as Promise<T>;
	}

	totals(period: 'current' | 'previous'): Promise<Totals> {
		return this.#once(`totals:${period}`, async () => {
			const source = localDaySource(this.scope, this.range[period]);
			return (await this.db.get<Totals>(q`SELECT ${sums(MEASURES)} FROM (${source}) s`)) as Totals;
		});
	}

	/** Per local day and model (model "" = channel messages) over the current period. */
	daily(): Promise<DailyRow[]> {
		return this.#once('daily', () =>
			this.db.all<DailyRow>(q`SELECT "localDay", model,
	SUM(messages) AS messages, SUM(answers) AS answers, SUM("promptTokens") AS "promptTokens",
	SUM("completionTokens") AS "completionTokens"
FROM (${localDaySource(this.scope, this.range.current)}) s GROUP BY "localDay", model
ORDER BY "localDay", ${byteOrder('model')}`)
		);
	}

	/** Per model (answers only) over the current period. */
	byModel(): Promise<ModelAgg[]> {
		return this.#once('byModel', () =>
			this.db.all<ModelAgg>(q`SELECT model, ${sums(MEASURES)}
FROM (${localDaySource(this.scope, this.range.current)}) s WHERE model <> '' GROUP BY model
HAVING SUM(answers) > 0`)
		);
	}

	/** The time-to-first-token histogram per model, for the comparison only. */
	latency(): Promise<Latency> {
		return this.#once('latency', async () => {
			const rows = await this.db.all<Record<string, number> & { model: string }>(
				q`SELECT model, ${sums(BIN_COLUMNS)}
FROM (${localDaySource(this.scope, this.range.current)}) s WHERE model <> '' GROUP BY model`
			);
			return new Map(rows.map((row) => [row.model, BIN_COLUMNS.map((c) => row[c])]));
		});
	}

	/** Per person (and instance) over the current period. */
	byUser(): Promise<UserAgg[]> {
		return this.#once('byUser', () =>
			this.db.all<UserAgg>(personTotals(this.scope, this.range.current))
		);
	}

	/** Answers and channel messages per local weekday (0 = Monday) and hour. */
	heatmap(): Promise<{ weekday: number; hour: number; events: number }[]> {
		return this.#once('heatmap', () => {
			const span = this.range.current;
			const local = localSeconds(this.range.calendar, span);
			// Sum each quarter-hour first: the rollup's key starts with the bucket, so this groups in
			// index order without sorting; only then fold the quarter-hours into weekdays and hours.
			// Day 0 of the epoch was a Thursday: (day + 3) % 7 makes Monday 0.
			return this.db.all(q`SELECT (${local} / ${DAY} + 3) % 7 AS weekday,
	(${local} % ${DAY}) / 3600 AS hour, SUM(events) AS events
FROM (SELECT bucket, SUM(answers + messages) AS events FROM (${bucketSource(this.scope, span)}) s
	GROUP BY bucket) e
GROUP BY weekday, hour`);
		});
	}

	activity(): Promise<ActivityStats> {
		return this.#once('activity', () => this.#activity());
	}

	async #activity(): Promise<ActivityStats> {
		const { current: cur, previous: prev, calendar } = this.range;
		const first = Math.min(prev.firstDay, prev.lastDay - 29);
		const union = calendar.span(first, cur.lastDay);
		const people = personWindows(this.scope, union, {
			cur: [cur.firstDay, cur.lastDay],
			prev: [prev.firstDay, prev.lastDay],
			w: [cur.lastDay - 6, cur.lastDay],
			m: [cur.lastDay - 29, cur.lastDay],
			pw: [prev.lastDay - 6, prev.lastDay],
			pm: [prev.lastDay - 29, prev.lastDay]
		});
		const [days, windows] = await Promise.all([
			this.db.all<{ localDay: number; n: number }>(dailyActive(this.scope, union)),
			this.db.get<Record<string, number | null>>(q`SELECT SUM(cur) AS current,
	SUM(prev) AS previous, SUM(cur * prev) AS "returning", SUM(w) AS weekly, SUM(m) AS monthly,
	SUM(pw) AS "weeklyBefore", SUM(pm) AS "monthlyBefore"
FROM (${people}) people`)
		]);
		const perDay = new Map<number, number>();
		for (const { localDay, n } of days) if (n) perDay.set(localDay, n);
		const n = (key: string) => Number(windows?.[key] ?? 0);
		return {
			perDay,
			current: n('current'),
			previous: n('previous'),
			returning: n('returning'),
			weekly: n('weekly'),
			monthly: n('monthly'),
			weeklyBefore: n('weeklyBefore'),
			monthlyBefore: n('monthlyBefore')
		};
	}
}
