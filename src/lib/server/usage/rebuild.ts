/**
 * `parley usage rebuild`: recomputes the usage rollups from the raw facts, one UTC day per
 * transaction, on its own connection so a running server keeps reading (WAL) and its writes wait at
 * most one day's work. A fact written meanwhile is counted exactly once: its day is rebuilt either
 * after it committed (the rebuild reads it) or before (its own upkeep in rollups.ts adds it).
 *
 * The facts come from the same SQL as the incremental upkeep (fact-sql.ts); the sums are integers and
 * the activity bits an OR, so any order of counting gives identical rollups.
 */
import Database from 'better-sqlite3';
import type { DatabaseTarget } from '../db/target.ts';
import { usageSqliteFile } from './sqlite-only.ts';
import { DAY } from './calendar.ts';
import {
	BIN_COLUMNS,
	MASK_HI,
	MASK_LO,
	MEASURES,
	PERSON,
	USER_MEASURES,
	USER_MODEL_MEASURES,
	answerFacts,
	importedMessageFacts,
	messageFacts,
	sqliteTime
} from './fact-sql.ts';

export interface RebuildOptions {
	/** Rebuild one instance's rollups only (an import replaced its facts). */
	instanceId?: string;
	/** Progress, after each day. */
	onDay?: (done: number, total: number) => void;
}

export interface RebuildResult {
	days: number;
	facts: number;
	ms: number;
}

const sums = (columns: readonly string[]) => columns.map((c) => `SUM(${c})`).join(', ');
const FACTS = 'temp.usage_rebuild_facts';

/** The aggregate statements, from the day's facts in FACTS. */
function statements(): string[] {
	const people = `FROM ${FACTS} f ${PERSON}`;
	const masks = `SUM(DISTINCT ${MASK_LO}), SUM(DISTINCT ${MASK_HI})`;
	return [
		`INSERT OR IGNORE INTO UsageUser (instanceId, userId) SELECT DISTINCT instanceId, userId FROM ${FACTS}`,
		`INSERT OR IGNORE INTO UsageModel (instanceId, model) SELECT DISTINCT instanceId, model FROM ${FACTS}`,
		`INSERT INTO UsageBucket (bucket, instanceId, model, ${[...MEASURES, ...BIN_COLUMNS].join(', ')})
SELECT bucket, instanceId, model, ${sums(MEASURES)}, ${BIN_COLUMNS.map((_, i) => `SUM(bin = ${i})`).join(', ')}
FROM ${FACTS} GROUP BY bucket, instanceId, model`,
		`INSERT INTO UsageUserDay (day, userKey, maskLo, maskHi, ${USER_MEASURES.join(', ')})
SELECT f.bucket / 96 AS d, u."key" AS k, ${masks}, ${sums(USER_MEASURES)}
${people} GROUP BY d, k`,
		`INSERT INTO UsageUserModelDay (day, model, userKey, maskLo, maskHi, ${USER_MODEL_MEASURES.join(', ')})
SELECT f.bucket / 96 AS d, f.model AS m, u."key" AS k, ${masks}, ${sums(USER_MODEL_MEASURES)}
${people} WHERE f.model <> '' GROUP BY d, m, k`
	];
}

/** Per rollup table: its rows in a day range (of one instance, with @instanceId). */
function rowsIn(instance: boolean): string[] {
	const people = instance
		? ' AND userKey IN (SELECT "key" FROM UsageUser WHERE instanceId = @instanceId)'
		: '';
	return [
		`FROM UsageBucket WHERE bucket >= @fromDay * 96 AND bucket < @toDay * 96${instance ? ' AND instanceId = @instanceId' : ''}`,
		`FROM UsageUserDay WHERE day >= @fromDay AND day < @toDay${people}`,
		`FROM UsageUserModelDay WHERE day >= @fromDay AND day < @toDay${people}`
	];
}

function open(file: string): Database.Database {
	const db = new Database(file, { fileMustExist: true, timeout: 30_000 });
	db.pragma('journal_mode = WAL');
	db.pragma('cache_size = -262144');
	db.pragma('temp_store = MEMORY');
	return db;
}

/**
 * Recomputes single UTC days of the rollups (every instance's, or one instance's) from the raw
 * facts: each day in one transaction that clears the day's rows and aggregates its facts again.
 */
class DayRebuilder {
	readonly instances: string[];
	readonly withMessages: boolean;
	facts = 0;
	readonly #rebuildDay: Database.Transaction<(day: number) => void>;

	constructor(db: Database.Database, instanceId: string | undefined) {
		this.instances = instanceId === undefined ? instancesWithFacts(db) : [instanceId];
		this.withMessages = instanceId === undefined || instanceId === 'local';
		const imported = this.instances.filter((id) => id !== 'local');
		const scope = instanceId === undefined ? {} : { instanceId };
		const param = (ids: string[], prefix: string) => ids.map((_, i) => `@${prefix}${i}`).join(', ');
		// Listing the instances lets SQLite read the facts through the (instanceId, createdAt) indexes.
		// There is always a part: the whole rebuild has channel messages, one instance its answers.
		const parts: string[] = [];
		if (this.instances.length) {
			const within = 'r.createdAt >= @t0 AND r.createdAt < @t1';
			parts.push(answerFacts(`r.instanceId IN (${param(this.instances, 'i')}) AND ${within}`));
		}
		if (this.withMessages) parts.push(messageFacts('m.createdAt >= @t0 AND m.createdAt < @t1'));
		if (imported.length) {
			const within = 'm.createdAt >= @t0 AND m.createdAt < @t1';
			parts.push(importedMessageFacts(`m.instanceId IN (${param(imported, 'm')}) AND ${within}`));
		}
		const ids = {
			...Object.fromEntries(this.instances.map((id, i) => [`i${i}`, id])),
			...Object.fromEntries(imported.map((id, i) => [`m${i}`, id]))
		};
		const source = parts.join(' UNION ALL ');
		db.exec(
			`CREATE TEMP TABLE IF NOT EXISTS usage_rebuild_facts AS SELECT * FROM (${source.replaceAll(/@\w+/g, 'NULL')}) WHERE 0`
		);
		const load = db.prepare(`INSERT INTO ${FACTS} ${source}`);
		const clear = rowsIn(instanceId !== undefined).map((rows) => db.prepare(`DELETE ${rows}`));
		const aggregate = statements().map((sql) => db.prepare(sql));
		const empty = db.prepare(`DELETE FROM ${FACTS}`);
		this.#rebuildDay = db.transaction((day: number) => {
			for (const statement of clear) statement.run({ ...scope, fromDay: day, toDay: day + 1 });
			empty.run();
			this.facts += load.run({
				...ids,
				t0: sqliteTime(day * DAY),
				t1: sqliteTime((day + 1) * DAY)
			}).changes;
			for (const statement of aggregate) statement.run();
			empty.run();
		});
	}

	rebuild(day: number): void {
		this.#rebuildDay.immediate(day);
	}
}

/** Recomputes every rollup (or one instance's) from the raw facts of the database file. */
export function rebuild(file: string, options: RebuildOptions = {}): RebuildResult {
	const started = performance.now();
	const db = open(file);
	try {
		const { instanceId } = options;
		const days = new DayRebuilder(db, instanceId);
		const scope = instanceId === undefined ? {} : { instanceId };
		const range = factDays(db, days.instances, days.withMessages);
		const [first, last] = range ?? [0, 0];

		// Rows outside the facts' days can only be stale; so can models no fact names any more.
		const people =
			instanceId === undefined
				? ''
				: ' AND userKey IN (SELECT "key" FROM UsageUser WHERE instanceId = @instanceId)';
		const outside = [
			`DELETE FROM UsageBucket WHERE NOT (bucket >= @fromDay * 96 AND bucket < @toDay * 96)${instanceId === undefined ? '' : ' AND instanceId = @instanceId'}`,
			`DELETE FROM UsageUserDay WHERE NOT (day >= @fromDay AND day < @toDay)${people}`,
			`DELETE FROM UsageUserModelDay WHERE NOT (day >= @fromDay AND day < @toDay)${people}`,
			`DELETE FROM UsageModel WHERE @fromDay <= @toDay${instanceId === undefined ? '' : ' AND instanceId = @instanceId'}`
		];
		const clearOutside = db.transaction(() => {
			for (const sql of outside) db.prepare(sql).run({ ...scope, fromDay: first, toDay: last });
		});
		clearOutside.immediate();
		if (!range) return { days: 0, facts: 0, ms: Math.round(performance.now() - started) };

		for (let day = first; day < last; day++) {
			days.rebuild(day);
			options.onDay?.(day - first + 1, last - first);
		}
		return { days: last - first, facts: days.facts, ms: Math.round(performance.now() - started) };
	} finally {
		db.close();
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
	const db = open(usageSqliteFile(target));
	try {
		const exists = db.prepare('SELECT 1 FROM Instance WHERE id = ?').get(instanceId);
		if (!exists) {
			forgetInstance(db, instanceId);
			return;
		}
		const rebuilder = new DayRebuilder(db, instanceId);
		for (const day of days) {
			rebuilder.rebuild(Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000 / DAY));
			await new Promise((resolve) => setImmediate(resolve));
		}
	} finally {
		db.close();
	}
}

/** Removes every rollup row of a deleted instance, its people and its models. */
function forgetInstance(db: Database.Database, instanceId: string): void {
	const people = 'userKey IN (SELECT "key" FROM UsageUser WHERE instanceId = ?)';
	db.transaction(() => {
		for (const sql of [
			'DELETE FROM UsageBucket WHERE instanceId = ?',
			`DELETE FROM UsageUserDay WHERE ${people}`,
			`DELETE FROM UsageUserModelDay WHERE ${people}`,
			'DELETE FROM UsageUser WHERE instanceId = ?',
			'DELETE FROM UsageModel WHERE instanceId = ?'
		]) {
			db.prepare(sql).run(instanceId);
		}
	}).immediate();
}

/**
 * Instances with facts: those in UsageRecord (read by hopping along its (instanceId, …) index) and
 * every imported instance (one may have messages but no answers yet).
 */
function instancesWithFacts(db: Database.Database): string[] {
	const next = db
		.prepare('SELECT instanceId FROM UsageRecord WHERE instanceId > ? ORDER BY instanceId LIMIT 1')
		.pluck();
	const ids = new Set<string>();
	for (
		let id = next.get('') as string | undefined;
		id !== undefined;
		id = next.get(id) as string | undefined
	) {
		ids.add(id);
	}
	for (const id of db.prepare('SELECT id FROM Instance').pluck().all() as string[]) ids.add(id);
	return [...ids].sort();
}

/** The UTC days holding raw facts, as [first, last + 1), or null when there are none. */
function factDays(
	db: Database.Database,
	instances: string[],
	withMessages: boolean
): [number, number] | null {
	const bounds: string[] = [];
	const span = (table: string) =>
		db.prepare(
			`SELECT MIN(createdAt) AS lo, MAX(createdAt) AS hi FROM ${table} WHERE instanceId = ?`
		);
	const answers = span('UsageRecord');
	const imported = span('InstanceMessage');
	const queries = instances.flatMap((id) =>
		id === 'local' ? [answers.get(id)] : [answers.get(id), imported.get(id)]
	);
	if (withMessages) {
		queries.push(
			db.prepare('SELECT MIN(createdAt) AS lo, MAX(createdAt) AS hi FROM Message').get()
		);
	}
	for (const row of queries as { lo: string | null; hi: string | null }[]) {
		if (row.lo && row.hi) bounds.push(row.lo, row.hi);
	}
	if (!bounds.length) return null;
	const days = bounds.map((t) => Math.floor(Date.parse(t) / 1000 / DAY));
	return [Math.min(...days), Math.max(...days) + 1];
}
