/**
 * How many people were active: per person over named windows of local days (the summary's this
 * period, the one before, the last 7 and 30 days), and per local day. Both read the per-person
 * rollups in the shape that suits them, and fall back to sources.ts's activity source (one row per
 * person and local day) in raw mode, for one person and for one model.
 */
import { QUARTERS_PER_DAY, type DayPiece, type Span } from './calendar.ts';
import {
	activitySource,
	maskHit,
	personFilters,
	personTable,
	unindexed,
	type Scope
} from './sources.ts';
import { dialect, join, q, raw, type Q } from '../db/sql.ts';

const FULL_MASK = (1n << 48n) - 1n;

/** A join whose left side SQLite must keep as the outer loop (PostgreSQL plans its own). */
const PROBE = dialect({ sqlite: 'CROSS JOIN', postgres: 'JOIN' });

/** Named runs of local days, [firstDay, lastDay] each. */
export type Windows = Record<string, [number, number]>;

/**
 * Rows: who, then per window 1 if the person was active on any of its local days, else 0; a row
 * per person active in `span` (which holds every window). From the rollups (every model), the UTC
 * days a window covers whole come from UsageUserBlock, a row per person and 32 days, and the few
 * it covers in part (cut by the viewer's midnight at its ends) from UsageUserDay's quarter-hours.
 */
export function personWindows(scope: Scope, span: Span, windows: Windows): Q {
	const names = Object.keys(windows);
	if (scope.mode === 'raw' || scope.user || scope.model) {
		const flags = names.map(
			(n) =>
				`MAX(CASE WHEN "localDay" BETWEEN ${windows[n][0]} AND ${windows[n][1]} THEN 1 ELSE 0 END) AS "${n}"`
		);
		return q`SELECT who, ${raw(flags.join(', '))} FROM (${activitySource(scope, span)}) a GROUP BY who`;
	}
	const { whole, edges } = windowDays(scope.calendar.dayPieces(span), windows);
	const days = [...edges.keys()].sort((a, b) => a - b);
	// Every active day has its bit, so reading the blocks of the edge days too finds everyone.
	const blocks = [...whole.values()].flatMap((m) => [...m.keys()]);
	blocks.push(...days.map((day) => Math.floor(day / 32)));
	if (!blocks.length) {
		return q`SELECT NULL AS who, ${raw(names.map((n) => `0 AS "${n}"`).join(', '))} WHERE 1 = 0`;
	}
	const blockFlag = (n: string) => {
		const masks = [...(whole.get(n) ?? [])].map(([b, bits]) => `WHEN ${b} THEN ${bits}`);
		return masks.length
			? `MAX(CASE WHEN (a.days & CASE a.block ${masks.join(' ')} ELSE 0 END) != 0 THEN 1 ELSE 0 END) AS "${n}"`
			: `0 AS "${n}"`;
	};
	// SQLite: the key's person order groups without sorting, rather than the block index's range.
	const people = q`SELECT a."userKey" AS who, ${raw(names.map(blockFlag).join(', '))}
FROM "UsageUserBlock" a
WHERE ${unindexed('a.block')} >= ${Math.min(...blocks)} AND ${unindexed('a.block')} <= ${Math.max(...blocks)}${personFilters(scope, 'a.')}
GROUP BY a."userKey"`;
	if (!edges.size) return people;
	const rows = days.map((day) => {
		const masks = names.map((n) => edges.get(day)?.get(n) ?? { lo: 0n, hi: 0n });
		return `(${day}, ${masks.map((m) => `${m.lo}, ${m.hi}`).join(', ')})`;
	});
	const columns = names.map(
		(n, i) => `column${2 * i + 2} AS "lo${i}", column${2 * i + 3} AS "hi${i}"`
	);
	const hit = (i: number) => maskHit('e', `v."lo${i}"`, `v."hi${i}"`);
	const flags = names.map((n, i) => `MAX(CASE WHEN ${hit(i)} THEN 1 ELSE 0 END) AS "${n}"`);
	// As in activitySource: the edge days are the outer loop, each a probe of the day's rows.
	const cut = q`SELECT e."userKey" AS who, ${raw(flags.join(', '))}
FROM (SELECT column1 AS day, ${raw(columns.join(', '))} FROM (VALUES ${raw(rows.join(', '))}) x) v
${PROBE} "UsageUserDay" e ON e.day = v.day
WHERE e.day >= ${days[0]} AND e.day <= ${days.at(-1)} AND (${raw(names.map((_, i) => hit(i)).join(' OR '))})${personFilters(scope, 'e.')}
GROUP BY e."userKey"`;
	const either = names.map(
		(n) => `CASE WHEN p."${n}" = 1 OR c."${n}" = 1 THEN 1 ELSE 0 END AS "${n}"`
	);
	return q`SELECT p.who AS who, ${raw(either.join(', '))}
FROM (${people}) p LEFT JOIN (${cut}) c ON c.who = p.who`;
}

type Masks = { lo: bigint; hi: bigint };

/**
 * Per window, the UTC days it covers whole, as day bits per 32-day block, and per UTC day it
 * covers in part, the quarter-hours it covers there.
 */
function windowDays(pieces: DayPiece[], windows: Windows) {
	const whole = new Map<string, Map<number, number>>();
	const edges = new Map<number, Map<string, Masks>>();
	const byDay = Map.groupBy(pieces, (p) => p.day);
	for (const [name, [first, last]] of Object.entries(windows)) {
		for (const [day, dayPieces] of byDay) {
			const inside = dayPieces.filter((p) => p.localDay >= first && p.localDay <= last);
			const lo = inside.reduce((m, p) => m | p.lo, 0n);
			const hi = inside.reduce((m, p) => m | p.hi, 0n);
			if (lo === FULL_MASK && hi === FULL_MASK) {
				const blocks = whole.get(name) ?? new Map<number, number>();
				const block = Math.floor(day / 32);
				blocks.set(block, (blocks.get(block) ?? 0) + 2 ** (day - block * 32));
				whole.set(name, blocks);
			} else if (lo || hi) {
				const byWindow = edges.get(day) ?? new Map<string, Masks>();
				byWindow.set(name, { lo, hi });
				edges.set(day, byWindow);
			}
		}
	}
	return { whole, edges };
}

/**
 * Active people per local day of a span, as one SELECT of (localDay, n) rows. From the rollups, a
 * local day is made of the pieces of one or two UTC days: each piece's people are counted with an
 * index count, and those in both pieces taken away (the shorter piece's people, each probed in the
 * other day), which avoids sorting every person-day. The pieces are rows of a VALUES list, each
 * counted by a correlated subquery: one plan on either database (PostgreSQL took seconds to plan
 * a subquery per piece). Raw mode, a user filter and odd days of three pieces count distinct people.
 */
export function dailyActive(scope: Scope, span: Span): Q {
	const distinct = q`SELECT "localDay", COUNT(DISTINCT who) AS n FROM (${activitySource(scope, span)}) a
GROUP BY "localDay"`;
	if (scope.mode === 'raw' || scope.user) return distinct;
	const byDay = Map.groupBy(scope.calendar.dayPieces(span), (p) => p.localDay);
	const singles: string[] = [];
	const pairs: string[] = [];
	const odd: Q[] = [];
	for (const [localDay, pieces] of byDay) {
		if (pieces.length > 2) {
			odd.push(oddDay(scope, localDay, pieces));
			continue;
		}
		for (const piece of pieces) singles.push(`(${localDay}, ${pieceValues(scope, piece)})`);
		if (pieces.length === 2) {
			const [x, b] = quarters(pieces[0]) <= quarters(pieces[1]) ? pieces : [pieces[1], pieces[0]];
			pairs.push(`(${localDay}, ${pieceValues(scope, x)}, ${pieceValues(scope, b)})`);
		}
	}
	const table = personTable(scope);
	const kinds: Kind[] = scope.model ? [ALL, MASK] : [ALL, START, END, MASK];
	const byKind = (column: string, make: (kind: Kind) => Q) =>
		q`CASE ${raw(column)} ${join(
			kinds.map((k) => q`WHEN ${k} THEN ${make(k)}`),
			' '
		)} END`;
	const parts: Q[] = [];
	if (singles.length) {
		const count = byKind(
			'v.kind',
			(k) =>
				q`(SELECT COUNT(*) FROM ${table} a WHERE a.day = v.day AND ${inPiece(k, 'a', 'v.')}${personFilters(scope, 'a.')})`
		);
		parts.push(q`SELECT v."localDay", ${count} AS n
FROM (SELECT column1 AS "localDay", ${raw(pieceColumns(2, ''))} FROM (VALUES ${raw(singles.join(', '))}) x) v`);
	}
	if (pairs.length) {
		const model = raw(scope.model ? ' AND b.model = x.model' : '');
		const other = byKind('v.bkind', (k) => inPiece(k, 'b', 'v.b'));
		// A probe per person of the short piece; PostgreSQL turns an EXISTS into a hash join over the
		// other day's every row (twice as slow), and a LIMIT keeps it from doing so.
		const inOther = q`(SELECT 1 FROM ${table} b WHERE b.day = v.bday AND b."userKey" = x."userKey"${model}
		AND (${other}) LIMIT 1) = 1`;
		const both = byKind(
			'v.kind',
			(k) => q`(SELECT COUNT(*) FROM ${table} x
	WHERE x.day = v.day AND ${inPiece(k, 'x', 'v.')}${personFilters(scope, 'x.')} AND ${inOther})`
		);
		parts.push(q`SELECT v."localDay", -(${both}) AS n
FROM (SELECT column1 AS "localDay", ${raw(pieceColumns(2, ''))}, ${raw(pieceColumns(7, 'b'))}
	FROM (VALUES ${raw(pairs.join(', '))}) x) v`);
	}
	parts.push(...odd);
	if (!parts.length) return q`SELECT 0 AS "localDay", 0 AS n WHERE 1 = 0`;
	return q`SELECT "localDay", SUM(n) AS n FROM (${join(parts, ' UNION ALL ')}) s GROUP BY "localDay"`;
}

/** How a piece's people are found: the whole day, its start, its end, or quarter-hour masks. */
const ALL = 0;
const START = 1;
const END = 2;
const MASK = 3;
type Kind = typeof ALL | typeof START | typeof END | typeof MASK;

/** A piece as VALUES columns: day, kind, q (a quarter-hour bound), lo, hi (its masks). */
function pieceValues(scope: Scope, p: DayPiece): string {
	const run = scope.model ? null : quarterRun(p);
	let [kind, bound]: [Kind, number] = [MASK, 0];
	if (p.lo === FULL_MASK && p.hi === FULL_MASK) kind = ALL;
	else if (run?.from === 0) [kind, bound] = [START, run.to];
	else if (run?.to === QUARTERS_PER_DAY) [kind, bound] = [END, run.from];
	return `${p.day}, ${kind}, ${bound}, ${p.lo}, ${p.hi}`;
}

/** The piece columns from VALUES column `first` on, named with `prefix`. */
const pieceColumns = (first: number, prefix: string) =>
	['day', 'kind', 'q', 'lo', 'hi']
		.map((name, i) => `column${first + i} AS ${prefix}${name}`)
		.join(', ');

/** Whether row `alias` has activity in the piece whose columns are `piece` + day, kind, q, lo, hi. */
function inPiece(kind: Kind, alias: string, piece: string): Q {
	switch (kind) {
		case ALL:
			return raw('1 = 1');
		case START:
			// A day's start or end is an index range of its first or last active quarter-hour.
			return raw(`${alias}."firstQuarter" < ${piece}q`);
		case END:
			return raw(`${alias}."lastQuarter" >= ${piece}q`);
		case MASK:
			return raw(maskHit(alias, `${piece}lo`, `${piece}hi`));
	}
}

/** A local day of three or more UTC days' pieces (a zone moving across the date line). */
function oddDay(scope: Scope, localDay: number, pieces: DayPiece[]): Q {
	const table = personTable(scope);
	const any = join(
		pieces.map((p) => q`(a.day = ${p.day} AND ${raw(maskHit('a', String(p.lo), String(p.hi)))})`),
		' OR '
	);
	return q`SELECT ${localDay} AS "localDay", (SELECT COUNT(DISTINCT "userKey") FROM ${table} a
	WHERE a.day BETWEEN ${pieces[0].day} AND ${pieces[pieces.length - 1].day} AND (${any})${personFilters(scope, 'a.')}) AS n`;
}

const bits = (p: DayPiece) => p.lo | (p.hi << 48n);
const quarters = (p: DayPiece) => bits(p).toString(2).replaceAll('0', '').length;

/** The piece's quarter-hours as one run [from, to), or null when they are not one. */
function quarterRun(p: DayPiece): { from: number; to: number } | null {
	const mask = bits(p);
	if (mask === 0n) return null;
	const to = mask.toString(2).length;
	const from = to - quarters(p);
	return mask === (1n << BigInt(to)) - (1n << BigInt(from)) ? { from, to } : null;
}
