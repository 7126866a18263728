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

/** Recomputes every rollup (or one instance's) from the raw facts of the database file. */
export function rebuild(file: string, options: RebuildOptions = {}): RebuildResult {
	const started = performance.now();
	const db = new Database(file, { fileMustExist: true, timeout: 30_000 });
	try {
		db.pragma('journal_mode = WAL');
		db.pragma('cache_size = -262144');
		db.pragma('temp_store = MEMORY');
		const { instanceId } = options;
		const instances = instanceId === undefined ? instancesWithAnswers(db) : [instanceId];
		const withMessages = instanceId === undefined || instanceId === 'local';
		const scope = instanceId === undefined ? {} : { instanceId };

		// Listing the instances lets SQLite read answers through the (instanceId, createdAt) index.
		const parts: string[] = [];
		if (instances.length) {
			const ids = instances.map((_, i) => `@i${i}`).join(', ');
			parts.push(
				answerFacts(`r.instanceId IN (${ids}) AND r.createdAt >= @t0 AND r.createdAt < @t1`)
			);
		}
		if (withMessages) parts.push(messageFacts('m.createdAt >= @t0 AND m.createdAt < @t1'));
		const ids = Object.fromEntries(instances.map((id, i) => [`i${i}`, id]));
		const range = factDays(db, instances, withMessages);
		const [first, last] = range ?? [0, 0];
		const tables = rowsIn(instanceId !== undefined);

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
		if (!range || !parts.length) {
			return { days: 0, facts: 0, ms: Math.round(performance.now() - started) };
		}

		const source = parts.join(' UNION ALL ');
		db.exec(
			`CREATE TEMP TABLE IF NOT EXISTS usage_rebuild_facts AS SELECT * FROM (${source.replaceAll(/@\w+/g, 'NULL')}) WHERE 0`
		);
		const load = db.prepare(`INSERT INTO ${FACTS} ${source}`);
		const clear = tables.map((rows) => db.prepare(`DELETE ${rows}`));
		const aggregate = statements().map((sql) => db.prepare(sql));
		const empty = db.prepare(`DELETE FROM ${FACTS}`);
		let facts = 0;
		const rebuildDay = db.transaction((day: number) => {
			for (const statement of clear) statement.run({ ...scope, fromDay: day, toDay: day + 1 });
			empty.run();
			facts += load.run({
				...ids,
				t0: sqliteTime(day * DAY),
				t1: sqliteTime((day + 1) * DAY)
			}).changes;
			for (const statement of aggregate) statement.run();
			empty.run();
		});
		for (let day = first; day < last; day++) {
			rebuildDay.immediate(day);
			options.onDay?.(day - first + 1, last - first);
		}
		return { days: last - first, facts, ms: Math.round(performance.now() - started) };
	} finally {
		db.close();
	}
}

/** Distinct instance ids in UsageRecord, read by hopping along its (instanceId, …) index. */
function instancesWithAnswers(db: Database.Database): string[] {
	const next = db
		.prepare('SELECT instanceId FROM UsageRecord WHERE instanceId > ? ORDER BY instanceId LIMIT 1')
		.pluck();
	const ids: string[] = [];
	for (
		let id = next.get('') as string | undefined;
		id !== undefined;
		id = next.get(id) as string | undefined
	) {
		ids.push(id);
	}
	return ids;
}

/** The UTC days holding raw facts, as [first, last + 1), or null when there are none. */
function factDays(
	db: Database.Database,
	instances: string[],
	withMessages: boolean
): [number, number] | null {
	const bounds: string[] = [];
	const answers = db.prepare(
		'SELECT MIN(createdAt) AS lo, MAX(createdAt) AS hi FROM UsageRecord WHERE instanceId = ?'
	);
	const queries = instances.map((id) => answers.get(id));
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
