/**
 * Where a report's numbers come from. Each source is a subquery with fixed columns, read either from
 * the rollups (the dashboard) or straight from the raw facts (`raw` mode: the benchmark's baseline
 * and the tests' cross-check), so the same aggregate SQL runs on both and must agree.
 *
 * - bucket source: per quarter-hour, instance and model (UsageBucket)
 * - local-day source: per local day, instance and model (UsageBucketDay, with the quarter-hours
 *   that UTC days and local days do not share moved from UsageBucket)
 * - person totals: per person over a window: whole UTC days from UsageUserDay (UsageUserModelDay for
 *   one model) plus the raw facts of the partial days at the edges, which are under 24 h each
 * - activity source: (local day, person) for distinct counts, from the same per-person rollups with
 *   each UTC day's quarter-hour bitmap split at the viewer's midnight (active-people.ts counts people
 *   faster where it can)
 *
 * A user filter always reads that user's raw facts through the (user, time) indexes: one person's
 * rows are few, and it keeps the rollups free of a per-user time index.
 */
import {
	BIN_COLUMNS,
	MEASURES,
	PERSON,
	USER_MEASURES,
	answerFacts,
	bit,
	columns,
	importedMessageFacts,
	instant,
	messageFacts
} from './fact-sql.ts';
import { DAY, QUARTER, type Calendar, type Span } from './calendar.ts';
import { dialect, join, list, q, raw, type Q } from '../db/sql.ts';

export interface Scope {
	mode: 'rollup' | 'raw';
	calendar: Calendar;
	/** The instances included: the filter's one, or every instance with usage. */
	instances: string[];
	/** True when no instance filter applies (the rollup queries then skip the condition). */
	allInstances: boolean;
	model: string | null;
	user: string | null;
}

type Window = Pick<Span, 'start' | 'end'>;

/** A column SQLite must not use an index for (a leading `+`), so it picks the intended one. */
export const unindexed = (column: string) => dialect({ sqlite: `+${column}`, postgres: column });

/** The raw facts of a window as fact rows, through the index that suits the filters. */
export function rawFacts(scope: Scope, window: Window): Q {
	const t0 = instant(window.start);
	const t1 = instant(window.end);
	const instances = list(scope.instances);
	const during = (alias: string) =>
		q`${raw(alias)}."createdAt" >= ${t0} AND ${raw(alias)}."createdAt" < ${t1}`;
	let where: Q;
	if (scope.user) {
		where = q`r."userId" = ${scope.user} AND ${during('r')} AND ${unindexed('r."instanceId"')} IN (${instances})`;
	} else if (scope.model) {
		where = q`r.model = ${scope.model} AND ${during('r')} AND ${unindexed('r."instanceId"')} IN (${instances})`;
	} else {
		where = q`r."instanceId" IN (${instances}) AND ${during('r')}`;
	}
	if (scope.user && scope.model) where = q`${where} AND ${unindexed('r.model')} = ${scope.model}`;
	const parts = [answerFacts(where)];
	if (!scope.model && scope.instances.includes('local')) {
		const messages = scope.user ? q`m."authorId" = ${scope.user} AND ${during('m')}` : during('m');
		parts.push(messageFacts(messages));
	}
	const imported = scope.instances.filter((id) => id !== 'local');
	if (!scope.model && imported.length) {
		const byUser = scope.user ? q` AND m."userId" = ${scope.user}` : q``;
		parts.push(
			importedMessageFacts(q`m."instanceId" IN (${list(imported)})${byUser} AND ${during('m')}`)
		);
	}
	return join(parts, ' UNION ALL ');
}

/** Extra conditions of the per-quarter rollup for the filters. */
function bucketFilters(scope: Scope): Q {
	const parts: Q[] = [];
	if (!scope.allInstances) parts.push(q`"instanceId" IN (${list(scope.instances)})`);
	if (scope.model) parts.push(q`model = ${scope.model}`);
	return parts.length ? q` AND ${join(parts, ' AND ')}` : raw('');
}

/** Extra conditions of the per-person rollups for the filters (`alias` is the table's). */
export function personFilters(scope: Scope, alias: string): Q {
	const parts: Q[] = [];
	if (!scope.allInstances) {
		parts.push(
			q`${raw(alias)}"userKey" IN (SELECT "key" FROM "UsageUser" WHERE "instanceId" IN (${list(scope.instances)}))`
		);
	}
	if (scope.model) parts.push(q`${raw(alias)}model = ${scope.model}`);
	return parts.length ? q` AND ${join(parts, ' AND ')}` : raw('');
}

/**
 * SQLite reads a range of UsageUserDay's days through any index that starts with the day; through
 * the quarter-hour ones, the rows it then fetches are out of the order they were written in, which
 * took twice as long (a 90-day people table: 100 ms became 210 ms).
 */
const BY_DAY_AND_PERSON = dialect({
	sqlite: ' INDEXED BY "UsageUserDay_day_userKey_maskLo_maskHi_idx"',
	postgres: ''
});

/** The per-person rollup for the scope: every model's, or one model's (which has no messages). */
export const personTable = (scope: Scope) =>
	raw(scope.model ? '"UsageUserModelDay"' : '"UsageUserDay"');

const bucketColumns = raw(columns([...MEASURES, ...BIN_COLUMNS]));

/** Rows: bucket, instanceId, model, the measures and t0..t15. */
export function bucketSource(scope: Scope, window: Window): Q {
	if (scope.mode === 'rollup' && !scope.user) {
		return q`SELECT bucket, "instanceId", model, ${bucketColumns} FROM "UsageBucket"
WHERE bucket >= ${window.start / QUARTER} AND bucket < ${window.end / QUARTER}${bucketFilters(scope)}`;
	}
	const bins = raw(BIN_COLUMNS.map((c, i) => `${bit(`f.bin = ${i}`)} AS ${c}`).join(', '));
	return q`SELECT f.bucket, f."instanceId", f.model, ${raw(columns(MEASURES, 'f.'))}, ${bins}
FROM (${rawFacts(scope, window)}) f`;
}

/**
 * Rows: localDay, instanceId, model, the measures and t0..t15, for the local days of `span` (any
 * local day outside it left out). From the rollups, a UTC day's UsageBucketDay row stands for the
 * local day of the same number, and the few quarter-hours of each UTC day that belong to another
 * local day are moved with signed UsageBucket rows: taken out of their UTC day, added to their
 * local day (dayShifts). So a range reads a row per day and model, plus a few quarter-hours per
 * day (an offset's worth at most), not 96.
 */
export function localDaySource(scope: Scope, span: Span): Q {
	if (scope.mode === 'raw' || scope.user) {
		const local = localSeconds(scope.calendar, span);
		return q`SELECT ${local} / ${DAY} AS "localDay", "instanceId", model, ${bucketColumns}
FROM (${bucketSource(scope, span)}) s`;
	}
	const first = Math.floor(span.start / DAY);
	const last = Math.ceil(span.end / DAY) - 1;
	const inSpan = (day: number) => day >= span.firstDay && day <= span.lastDay;
	const moves: string[] = [];
	for (const shift of scope.calendar.dayShifts(first, last)) {
		if (inSpan(shift.localDay)) moves.push(`(${shift.from}, ${shift.to}, ${shift.localDay}, 1)`);
		if (inSpan(shift.day)) moves.push(`(${shift.from}, ${shift.to}, ${shift.day}, -1)`);
	}
	const parts = [
		q`SELECT day AS "localDay", "instanceId", model, ${bucketColumns} FROM "UsageBucketDay"
WHERE day >= ${Math.max(first, span.firstDay)} AND day <= ${Math.min(last, span.lastDay)}${bucketFilters(scope)}`
	];
	if (moves.length) {
		const signed = raw(
			columns([...MEASURES, ...BIN_COLUMNS], 'b.').replace(/b\."/g, 'm.sign * b."')
		);
		// The moves are the outer loop, each a range probe of UsageBucket's key: SQLite keeps the
		// order of a CROSS JOIN; PostgreSQL, given a plain join, scanned the whole range once and
		// compared every row with every move (90 days: 60 ms became 360 ms), so it gets a LATERAL.
		const probe = dialect({
			sqlite: 'CROSS JOIN "UsageBucket" b ON b.bucket >= m.lo AND b.bucket < m.hi',
			postgres:
				'CROSS JOIN LATERAL (SELECT * FROM "UsageBucket" WHERE bucket >= m.lo AND bucket < m.hi) b'
		});
		parts.push(q`SELECT m."localDay", b."instanceId", b.model, ${signed}
FROM (SELECT column1 AS lo, column2 AS hi, column3 AS "localDay", column4 AS sign FROM (VALUES ${raw(moves.join(', '))}) v) m
${probe} WHERE true${bucketFilters(scope)}`);
	}
	return join(parts, ' UNION ALL ');
}

const sumsOf = (names: readonly string[]) =>
	raw(names.map((c) => `COALESCE(SUM("${c}"), 0) AS "${c}"`).join(', '));

/**
 * Per person over the window: instanceId, userId and the per-person measures. From the rollups:
 * the UTC days the window covers, with the partial first and last days corrected from the raw
 * facts: a day mostly inside the window comes from the rollup minus the raw facts of the hours
 * outside it, a day mostly outside from the raw facts of the hours inside. So the raw part is at
 * most 12 hours at each edge (about the viewer's UTC offset, typically).
 */
export function personTotals(scope: Scope, window: Window): Q {
	const sums = sumsOf(USER_MEASURES);
	const firstDay = Math.floor(window.start / DAY);
	const lastDay = Math.ceil(window.end / DAY) - 1;
	if (scope.mode === 'raw' || scope.user || firstDay === lastDay) {
		return q`SELECT "instanceId", "userId", ${sums} FROM (${rawFacts(scope, window)}) f
GROUP BY "instanceId", "userId"`;
	}
	let [from, to] = [firstDay, lastDay + 1];
	const corrections: { window: Window; sign: 1 | -1 }[] = [];
	const half = DAY / 2;
	if (window.start > firstDay * DAY) {
		const dayEnd = (firstDay + 1) * DAY;
		if (dayEnd - window.start <= half) {
			from = firstDay + 1;
			corrections.push({ window: { start: window.start, end: dayEnd }, sign: 1 });
		} else {
			corrections.push({ window: { start: firstDay * DAY, end: window.start }, sign: -1 });
		}
	}
	if (window.end < (lastDay + 1) * DAY) {
		const dayStart = lastDay * DAY;
		if (window.end - dayStart <= half) {
			to = lastDay;
			corrections.push({ window: { start: dayStart, end: window.end }, sign: 1 });
		} else {
			corrections.push({ window: { start: window.end, end: (lastDay + 1) * DAY }, sign: -1 });
		}
	}
	const measures = raw(
		USER_MEASURES.map((m) => (m === 'messages' && scope.model ? '0 AS messages' : `"${m}"`)).join(
			', '
		)
	);
	const parts: Q[] = [];
	if (from < to) {
		parts.push(q`SELECT "userKey", ${measures} FROM ${personTable(scope)}${scope.model ? raw('') : BY_DAY_AND_PERSON}
WHERE day >= ${from} AND day < ${to}${personFilters(scope, '')}`);
	}
	for (const { window: w, sign } of corrections) {
		const signed = raw(USER_MEASURES.map((m) => `${sign === 1 ? '' : '-'}f."${m}"`).join(', '));
		parts.push(q`SELECT u."key" AS "userKey", ${signed}
FROM (${rawFacts(scope, w)}) f ${raw(PERSON)}`);
	}
	// People whose only facts lay in the hours taken away are left with nothing: drop them.
	return q`SELECT u."instanceId" AS "instanceId", u."userId" AS "userId", ${raw(columns(USER_MEASURES, 's.'))}
FROM (SELECT "userKey", ${sums} FROM (${join(parts, ' UNION ALL ')}) p GROUP BY "userKey") s
JOIN "UsageUser" u ON u."key" = s."userKey"
WHERE s.messages + s.answers > 0`;
}

/** Local time of a bucket as SQL: the offset in force, from the calendar's transitions. */
export function localSeconds(calendar: Calendar, window: Window, bucket = 'bucket'): Q {
	const segments = calendar.segments(window.start, window.end);
	const offset =
		segments.length === 1
			? String(segments[0].offset)
			: `CASE ${segments
					.slice(1)
					.map((s, i) => `WHEN ${bucket} < ${s.fromBucket} THEN ${segments[i].offset}`)
					.join(' ')} ELSE ${segments.at(-1)?.offset} END`;
	// 64-bit: seconds since 1970 pass 32 bits in 2038.
	return raw(`(CAST(${bucket} AS BIGINT) * ${QUARTER} + ${offset})`);
}

/** SQL: whether row `row` was active in any of the quarter-hours of masks `lo` and `hi`. */
export const maskHit = (row: string, lo: string, hi: string) =>
	`((${row}."maskLo" & ${lo}) != 0 OR (${row}."maskHi" & ${hi}) != 0)`;

/** A person as one value, for distinct counts: instance and user id with a separator. */
const who = dialect({
	sqlite: `f."instanceId" || char(31) || f."userId"`,
	postgres: `f."instanceId" || chr(31) || f."userId"`
});

/**
 * Rows: localDay and `who` (a person), once or more per person active that local day. From the
 * rollups, each UTC day's quarter-hour bitmap is split at the viewer's midnight ("pieces").
 */
export function activitySource(scope: Scope, span: Span): Q {
	if (scope.mode === 'rollup' && !scope.user) {
		const dayPieces = scope.calendar.dayPieces(span);
		const pieces = dayPieces.map((p) => `(${p.day}, ${p.localDay}, ${p.lo}, ${p.hi})`).join(', ');
		// SQLite: CROSS JOIN makes the handful of day pieces the outer loop, probing the rollup by day.
		const probe = dialect({ sqlite: 'CROSS JOIN', postgres: 'JOIN' });
		// The pieces' days as a range too: PostgreSQL cannot see it in the VALUES list, and would
		// read the whole year of the rollup to hash-join a few weeks of it.
		const days = q`a.day >= ${dayPieces[0]?.day ?? 0} AND a.day <= ${dayPieces.at(-1)?.day ?? -1}`;
		return q`SELECT p."localDay" AS "localDay", a."userKey" AS who
FROM (SELECT column1 AS day, column2 AS "localDay", column3 AS lo, column4 AS hi FROM (VALUES ${raw(pieces)}) v) p
${probe} ${personTable(scope)} a ON a.day = p.day
WHERE ${days} AND ${raw(maskHit('a', 'p.lo', 'p.hi'))}${personFilters(scope, 'a.')}`;
	}
	return q`SELECT ${localSeconds(scope.calendar, span)} / ${DAY} AS "localDay", ${who} AS who
FROM (${rawFacts(scope, span)}) f`;
}
