/**
 * `parley usage rebuild`: recomputes the usage rollups from the raw facts, one UTC day per
 * transaction, on its own connection so a running server keeps reading and its writes wait at most
 * one day's work. Each day's transaction first takes the write lock on the rollups (SQLite: BEGIN
 * IMMEDIATE; PostgreSQL: table locks in the order the upkeep writes them, so the two never
 * deadlock), so a fact written meanwhile is counted exactly once: its day is rebuilt either after it
 * committed (the rebuild reads it) or before (its own upkeep in rollups.ts adds it).
 *
 * The facts come from the same SQL as the incremental upkeep (fact-sql.ts); the sums are integers and
 * the activity bits an OR, so any order of counting gives identical rollups.
 */
import { openBulkSession, type BulkSession } from '../db/bulk-session.ts';
import { dialect, join, list, q, raw, type Q } from '../db/sql.ts';
import type { DatabaseTarget } from '../db/target.ts';
import { DAY } from './calendar.ts';
import {
	BIN_COLUMNS,
	BLOCK,
	DAY_BIT,
	MASK_HI,
	MASK_LO,
	MEASURES,
	PERSON,
	USER_MEASURES,
	USER_MODEL_MEASURES,
	answerFacts,
	bucketOf,
	columns,
	importedMessageFacts,
	instant,
	messageFacts
} from './fact-sql.ts';

export interface RebuildOptions {
	/** Rebuild one instance's rollups only (an import replaced its facts). */
	instanceId?: string;
	/** Progress, after each day. */
	onDay?: (done: number, total: number) => void;
	/**
	 * Recompute only UTC days [from, to), leaving every other row as it is (bench:analytics checks
	 * rollups it built another way against these).
	 */
	days?: { from: number; to: number };
}

export interface RebuildResult {
	days: number;
	facts: number;
	ms: number;
}

/** The rollup tables, in the order the upkeep writes them (and the rebuild locks them). */
const ROLLUP_TABLES = [
	'UsageUser',
	'UsageModel',
	'UsageBucket',
	'UsageBucketDay',
	'UsageUserDay',
	'UsageUserModelDay',
	'UsageUserBlock'
] as const;

const FACTS = raw('usage_rebuild_facts');
const FACT_COLUMNS = ['bucket', 'instanceId', 'userId', 'model', ...MEASURES, 'bin'];
const CREATE_FACTS = raw(`CREATE TEMP TABLE IF NOT EXISTS usage_rebuild_facts (bucket BIGINT,
	"instanceId" TEXT, "userId" TEXT, model TEXT, ${MEASURES.map((m) => `"${m}" BIGINT`).join(', ')},
	bin INTEGER)`);

const sums = (names: readonly string[]) => raw(names.map((c) => `SUM(f."${c}")`).join(', '));
/** The OR of the activity bits: SQLite has no bit_or, but the sum of distinct single bits is one. */
const masks = dialect({
	sqlite: `SUM(DISTINCT ${MASK_LO}), SUM(DISTINCT ${MASK_HI})`,
	postgres: `bit_or(${MASK_LO}), bit_or(${MASK_HI})`
});

/** The aggregate statements, from the day's facts in FACTS. */
const AGGREGATES: Q[] = [
	q`INSERT INTO "UsageUser" ("instanceId", "userId") SELECT DISTINCT "instanceId", "userId" FROM ${FACTS}
WHERE true ON CONFLICT DO NOTHING`,
	q`INSERT INTO "UsageModel" ("instanceId", model) SELECT DISTINCT "instanceId", model FROM ${FACTS}
WHERE true ON CONFLICT DO NOTHING`,
	q`INSERT INTO "UsageBucket" (bucket, "instanceId", model, ${raw(columns([...MEASURES, ...BIN_COLUMNS]))})
SELECT f.bucket, f."instanceId", f.model, ${sums(MEASURES)},
	${raw(BIN_COLUMNS.map((_, i) => `SUM(CASE WHEN f.bin = ${i} THEN 1 ELSE 0 END)`).join(', '))}
FROM ${FACTS} f GROUP BY f.bucket, f."instanceId", f.model`,
	q`INSERT INTO "UsageBucketDay" (day, "instanceId", model, ${raw(columns([...MEASURES, ...BIN_COLUMNS]))})
SELECT f.bucket / 96 AS d, f."instanceId", f.model, ${sums(MEASURES)},
	${raw(BIN_COLUMNS.map((_, i) => `SUM(CASE WHEN f.bin = ${i} THEN 1 ELSE 0 END)`).join(', '))}
FROM ${FACTS} f GROUP BY f.bucket / 96, f."instanceId", f.model`,
	q`INSERT INTO "UsageUserDay" (day, "userKey", "maskLo", "maskHi", "firstQuarter", "lastQuarter", ${raw(columns(USER_MEASURES))})
SELECT f.bucket / 96 AS d, u."key" AS k, ${masks}, MIN(f.bucket % 96), MAX(f.bucket % 96), ${sums(USER_MEASURES)}
FROM ${FACTS} f ${raw(PERSON)} GROUP BY f.bucket / 96, u."key"`,
	q`INSERT INTO "UsageUserModelDay" (day, model, "userKey", "maskLo", "maskHi", ${raw(columns(USER_MODEL_MEASURES))})
SELECT f.bucket / 96 AS d, f.model AS m, u."key" AS k, ${masks}, ${sums(USER_MODEL_MEASURES)}
FROM ${FACTS} f ${raw(PERSON)} WHERE f.model <> '' GROUP BY f.bucket / 96, f.model, u."key"`,
	// FACTS holds one UTC day: one bit, one row per person.
	q`INSERT INTO "UsageUserBlock" (block, "userKey", days)
SELECT MIN(${raw(BLOCK)}), u."key", MIN(${raw(DAY_BIT)}) FROM ${FACTS} f ${raw(PERSON)} GROUP BY u."key"
ON CONFLICT ("userKey", block) DO UPDATE SET days = "UsageUserBlock".days | excluded.days`
];

/** Rows of one instance's people, for the per-person rollups. */
const peopleOf = (instanceId: string) =>
	q` AND "userKey" IN (SELECT "key" FROM "UsageUser" WHERE "instanceId" = ${instanceId})`;

/** Per rollup table: the condition on its rows in days [from, to) (of one instance, optionally). */
function rowsIn(from: number, to: number, instanceId: string | undefined, inside = true): Q[] {
	const not = raw(inside ? '' : 'NOT ');
	const people = instanceId === undefined ? raw('') : peopleOf(instanceId);
	return [
		q`"UsageBucket" WHERE ${not}(bucket >= ${from * 96} AND bucket < ${to * 96})${
			instanceId === undefined ? raw('') : q` AND "instanceId" = ${instanceId}`
		}`,
		q`"UsageBucketDay" WHERE ${not}(day >= ${from} AND day < ${to})${
			instanceId === undefined ? raw('') : q` AND "instanceId" = ${instanceId}`
		}`,
		q`"UsageUserDay" WHERE ${not}(day >= ${from} AND day < ${to})${people}`,
		q`"UsageUserModelDay" WHERE ${not}(day >= ${from} AND day < ${to})${people}`
	];
}

/**
 * Per-person day bits: clears those of UTC days [from, to) (of one instance's people, optionally),
 * or with `inside` false those of every other day, then drops the rows left empty.
 */
function clearBlockDays(
	from: number,
	to: number,
	instanceId: string | undefined,
	inside = true
): Q[] {
	const people = instanceId === undefined ? raw('') : peopleOf(instanceId);
	const blockOf = (day: number) => Math.floor(day / 32);
	// The bits of days [from, to) within block b, as a number (32 bits fit exactly).
	const bits = (b: number) => {
		const lo = Math.max(from - b * 32, 0);
		const hi = Math.min(to - b * 32, 32);
		return hi <= lo ? 0 : 2 ** hi - 2 ** lo;
	};
	const [first, last] = [blockOf(from), blockOf(to - 1)];
	const statements: Q[] = [];
	if (!inside) {
		statements.push(
			q`DELETE FROM "UsageUserBlock" WHERE (block < ${first} OR block > ${last})${people}`
		);
	}
	for (let b = first; b <= last; b++) {
		const clear = inside ? bits(b) : 2 ** 32 - 1 - bits(b);
		// Only the rows that have such a day: a block holds a row per person active in its 32 days.
		statements.push(
			q`UPDATE "UsageUserBlock" SET days = days & ${2 ** 32 - 1 - clear}
WHERE block = ${b} AND (days & ${clear}) != 0${people}`
		);
	}
	statements.push(
		q`DELETE FROM "UsageUserBlock" WHERE block >= ${first} AND block <= ${last} AND days = 0${people}`
	);
	return statements;
}

/**
 * Recomputes single UTC days of the rollups (every instance's, or one instance's) from the raw
 * facts: each day in one transaction that clears the day's rows and aggregates its facts again.
 */
class DayRebuilder {
	readonly #db: BulkSession;
	readonly #instanceId: string | undefined;
	readonly instances: string[];
	readonly withMessages: boolean;
	facts = 0;

	constructor(db: BulkSession, instanceId: string | undefined, instances: string[]) {
		this.#db = db;
		this.#instanceId = instanceId;
		this.instances = instances;
		this.withMessages = instanceId === undefined || instanceId === 'local';
	}

	/** The day's facts. Listing the instances reads them through the (instanceId, createdAt) indexes. */
	#source(day: number): Q {
		const [t0, t1] = [instant(day * DAY), instant((day + 1) * DAY)];
		const within = (alias: string) =>
			q`${raw(alias)}."createdAt" >= ${t0} AND ${raw(alias)}."createdAt" < ${t1}`;
		const imported = this.instances.filter((id) => id !== 'local');
		// There is always a part: the whole rebuild has channel messages, one instance its answers.
		const parts: Q[] = [];
		if (this.instances.length) {
			parts.push(answerFacts(q`r."instanceId" IN (${list(this.instances)}) AND ${within('r')}`));
		}
		if (this.withMessages) parts.push(messageFacts(within('m')));
		if (imported.length) {
			parts.push(importedMessageFacts(q`m."instanceId" IN (${list(imported)}) AND ${within('m')}`));
		}
		return join(parts, ' UNION ALL ');
	}

	async rebuild(day: number): Promise<void> {
		const db = this.#db;
		await db.run(CREATE_FACTS);
		await db.transaction(ROLLUP_TABLES, async () => {
			for (const rows of rowsIn(day, day + 1, this.#instanceId)) {
				await db.run(q`DELETE FROM ${rows}`);
			}
			for (const statement of clearBlockDays(day, day + 1, this.#instanceId)) {
				await db.run(statement);
			}
			await db.run(q`DELETE FROM ${FACTS}`);
			const names = raw(columns(FACT_COLUMNS));
			this.facts += await db.run(
				q`INSERT INTO ${FACTS} (${names}) SELECT ${names} FROM (${this.#source(day)}) s`
			);
			for (const statement of AGGREGATES) await db.run(statement);
			await db.run(q`DELETE FROM ${FACTS}`);
		});
	}
}

/** Recomputes every rollup (or one instance's) from the raw facts. */
export async function rebuild(
	target: DatabaseTarget,
	options: RebuildOptions = {}
): Promise<RebuildResult> {
	const started = performance.now();
	const db = await openBulkSession(target);
	try {
		const { instanceId } = options;
		const instances = instanceId === undefined ? await instancesWithFacts(db) : [instanceId];
		const days = new DayRebuilder(db, instanceId, instances);
		if (options.days) {
			for (let day = options.days.from; day < options.days.to; day++) await days.rebuild(day);
			return {
				days: options.days.to - options.days.from,
				facts: days.facts,
				ms: Math.round(performance.now() - started)
			};
		}
		const range = await factDays(db, days.instances, days.withMessages);
		const [first, last] = range ?? [0, 0];

		// Rows outside the facts' days can only be stale; so can models no fact names any more.
		await db.transaction(ROLLUP_TABLES, async () => {
			for (const rows of rowsIn(first, last, instanceId, false)) {
				await db.run(q`DELETE FROM ${rows}`);
			}
			for (const statement of clearBlockDays(first, last, instanceId, false)) {
				await db.run(statement);
			}
			await db.run(
				q`DELETE FROM "UsageModel"${instanceId === undefined ? raw('') : q` WHERE "instanceId" = ${instanceId}`}`
			);
		});
		if (!range) return { days: 0, facts: 0, ms: Math.round(performance.now() - started) };

		for (let day = first; day < last; day++) {
			await days.rebuild(day);
			options.onDay?.(day - first + 1, last - first);
			await new Promise((resolve) => setImmediate(resolve));
		}
		// The rollups may have grown from nothing: PostgreSQL's planner would go on planning for
		// empty tables (nested loops over sequential scans) until autovacuum caught up.
		if (db.dialect === 'postgres') {
			await db.run(raw(`ANALYZE ${ROLLUP_TABLES.map((t) => `"${t}"`).join(', ')}`));
		}
		return { days: last - first, facts: days.facts, ms: Math.round(performance.now() - started) };
	} finally {
		await db.close();
	}
}

/**
 * After an import changed an instance's facts on some UTC days ("YYYY-MM-DD"): recomputes that
 * instance's rollups for exactly those days, yielding to the event loop between days so a server
 * keeps answering. An instance that no longer exists has its rollups removed altogether.
 */
export async function refreshInstanceDays(
	target: DatabaseTarget,
	instanceId: string,
	days: string[]
): Promise<void> {
	const db = await openBulkSession(target);
	try {
		const [exists] = await db.all(q`SELECT 1 AS x FROM "Instance" WHERE id = ${instanceId}`);
		if (!exists) {
			await forgetInstance(db, instanceId);
			return;
		}
		const rebuilder = new DayRebuilder(db, instanceId, [instanceId]);
		for (const day of days) {
			await rebuilder.rebuild(Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000 / DAY));
			await new Promise((resolve) => setImmediate(resolve));
		}
	} finally {
		await db.close();
	}
}

/** Removes every rollup row of a deleted instance, its people and its models. */
async function forgetInstance(db: BulkSession, instanceId: string): Promise<void> {
	const people = q`"userKey" IN (SELECT "key" FROM "UsageUser" WHERE "instanceId" = ${instanceId})`;
	await db.transaction(ROLLUP_TABLES, async () => {
		for (const statement of [
			q`DELETE FROM "UsageBucket" WHERE "instanceId" = ${instanceId}`,
			q`DELETE FROM "UsageBucketDay" WHERE "instanceId" = ${instanceId}`,
			q`DELETE FROM "UsageUserDay" WHERE ${people}`,
			q`DELETE FROM "UsageUserModelDay" WHERE ${people}`,
			q`DELETE FROM "UsageUserBlock" WHERE ${people}`,
			q`DELETE FROM "UsageUser" WHERE "instanceId" = ${instanceId}`,
			q`DELETE FROM "UsageModel" WHERE "instanceId" = ${instanceId}`
		]) {
			await db.run(statement);
		}
	});
}

/**
 * Instances with facts: those in UsageRecord (read by hopping along its (instanceId, …) index) and
 * every imported instance (one may have messages but no answers yet).
 */
async function instancesWithFacts(db: BulkSession): Promise<string[]> {
	const ids = new Set<string>();
	for (let after = ''; ;) {
		const [row] = await db.all<{ id: string }>(
			q`SELECT "instanceId" AS id FROM "UsageRecord" WHERE "instanceId" > ${after}
ORDER BY "instanceId" LIMIT 1`
		);
		if (!row) break;
		ids.add(row.id);
		after = row.id;
	}
	for (const row of await db.all<{ id: string }>(q`SELECT id FROM "Instance"`)) ids.add(row.id);
	return [...ids].sort();
}

/** The UTC days holding raw facts, as [first, last + 1), or null when there are none. */
async function factDays(
	db: BulkSession,
	instances: string[],
	withMessages: boolean
): Promise<[number, number] | null> {
	// MIN and MAX of the column itself read the ends of its index; only then is it turned into days.
	const span = (table: string, where: Q) =>
		db.all<{ lo: number | null; hi: number | null }>(q`SELECT ${bucketOf('x.lo')} / 96 AS lo,
	${bucketOf('x.hi')} / 96 AS hi
FROM (SELECT MIN("createdAt") AS lo, MAX("createdAt") AS hi FROM ${raw(`"${table}"`)} ${where}) x`);
	const sources = instances.flatMap((id) => {
		const where = q`WHERE "instanceId" = ${id}`;
		return id === 'local'
			? [{ table: 'UsageRecord', where }]
			: [
					{ table: 'UsageRecord', where },
					{ table: 'InstanceMessage', where }
				];
	});
	if (withMessages) sources.push({ table: 'Message', where: raw('') });
	const days: number[] = [];
	for (const { table, where } of sources) {
		const [row] = await span(table, where);
		if (row && row.lo !== null && row.hi !== null) days.push(Number(row.lo), Number(row.hi));
	}
	if (!days.length) return null;
	return [Math.min(...days), Math.max(...days) + 1];
}
