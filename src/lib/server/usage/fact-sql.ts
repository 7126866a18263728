/**
 * The raw facts as uniform rows, and the rollup statements built from them. Incremental upkeep, the
 * full rebuild and the "raw" reports all use these same expressions, so a fact always contributes
 * the same numbers whichever path counted it, on either database. DateTime columns are ISO-8601
 * text on SQLite (as Prisma writes them, `2026-03-29T00:30:00.000+00:00`, which compare correctly
 * as text) and timestamptz on PostgreSQL; `bucketOf` and `instant` are the only places that know.
 */
import { TTFT_BIN_BOUNDS, TTFT_BINS } from '#lib/shared/usage.ts';
import { dialect, q, raw, type Q } from '../db/sql.ts';

/** Additive measures, in the order every fact row and rollup lists them. */
export const MEASURES = [
	'messages',
	'answers',
	'failed',
	'stopped',
	'chats',
	'promptTokens',
	'completionTokens',
	'costNanos',
	'ttftSumMs',
	'ttftCount',
	'genMs',
	'genTokens'
] as const;
export type Measure = (typeof MEASURES)[number];

/**
 * The per-person rollups keep what the people tables show (not stops, chats or tokens/s inputs,
 * which are reported per model); the per-model one has no channel messages.
 */
export const USER_MEASURES = MEASURES.filter(
	(m) => !['stopped', 'chats', 'genMs', 'genTokens'].includes(m)
);
export const USER_MODEL_MEASURES = USER_MEASURES.filter((m) => m !== 'messages');
/** Histogram columns t0..t15 of UsageBucket. */
export const BIN_COLUMNS = Array.from({ length: TTFT_BINS }, (_, i) => `t${i}`);

/** `"a", "b"`, or with a prefix `f."a", f."b"`: column names for either database. */
export const columns = (names: readonly string[], prefix = '') =>
	names.map((n) => `${prefix}"${n}"`).join(', ');

/** 1 when a condition holds, else 0 (PostgreSQL has no arithmetic on booleans). */
export const bit = (condition: string) => `CASE WHEN ${condition} THEN 1 ELSE 0 END`;

const binCase = (ttft: string) =>
	`CASE WHEN ${ttft} IS NULL THEN -1 ${TTFT_BIN_BOUNDS.map(
		(bound, i) => `WHEN ${ttft} < ${bound} THEN ${i}`
	).join(' ')} ELSE ${TTFT_BINS - 1} END`;

/** The quarter-hour bucket (floor(epoch seconds / 900)) of a DateTime column. */
export function bucketOf(column: string): Q {
	return dialect({
		sqlite: `unixepoch(${column}) / 900`,
		postgres: `CAST(floor(extract(epoch FROM ${column}) / 900) AS BIGINT)`
	});
}

/** An instant (epoch seconds) as a value to compare with DateTime columns. */
export function instant(epochSeconds: number): Q {
	const iso = new Date(epochSeconds * 1000).toISOString();
	return dialect({
		sqlite: q`${iso.replace('Z', '+00:00')}`,
		postgres: q`CAST(${iso} AS TIMESTAMPTZ)`
	});
}

/**
 * Ids in the byte order SQLite compares them in (PostgreSQL's default collation may sort
 * differently), so "the first answer of a chat" is the same row on both.
 */
export const byteOrder = (column: string) =>
	dialect({ sqlite: column, postgres: `${column} COLLATE "C"` });

/**
 * Dollars as whole billionths, rounded half away from zero as SQLite's ROUND does (PostgreSQL's
 * ROUND on a double rounds half to even), computed in the same double arithmetic on both.
 */
function nanos(dollars: string): Q {
	const x = `${dollars} * 1000000000`;
	return dialect({
		sqlite: `CAST(ROUND(${x}) AS INTEGER)`,
		postgres: `CAST(CASE WHEN ${x} < 0 THEN -floor(-(${x}) + 0.5) ELSE floor(${x} + 0.5) END AS BIGINT)`
	});
}

/**
 * One row per AI answer in `UsageRecord r` matching `where`, leaving out answers an import marked
 * deleted. An answer starts its chat when no earlier answer of the same chat exists (ties broken by
 * id), so the count is the same however the answers arrived; the (instanceId, chatId, createdAt, id)
 * index answers that with one probe.
 */
export function answerFacts(where: Q): Q {
	const measured = 'r."ttftMs" IS NOT NULL AND r."durationMs" > r."ttftMs"';
	return q`SELECT ${bucketOf('r."createdAt"')} AS bucket, r."instanceId" AS "instanceId",
	r."userId" AS "userId", r.model AS model, 0 AS messages, 1 AS answers,
	${raw(bit(`r.status IN ('error', 'interrupted')`))} AS failed,
	${raw(bit(`r.status = 'stopped'`))} AS stopped,
	CASE WHEN r."chatId" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "UsageRecord" p
		WHERE p."instanceId" = r."instanceId" AND p."chatId" = r."chatId"
		AND (p."createdAt", ${byteOrder('p.id')}) < (r."createdAt", ${byteOrder('r.id')})
		AND p."deletedAt" IS NULL) THEN 1 ELSE 0 END AS chats,
	r."promptTokens" AS "promptTokens", r."completionTokens" AS "completionTokens",
	${nanos('r."costUsd"')} AS "costNanos",
	COALESCE(r."ttftMs", 0) AS "ttftSumMs", ${raw(bit('r."ttftMs" IS NOT NULL'))} AS "ttftCount",
	${raw(`CASE WHEN ${measured} THEN r."durationMs" - r."ttftMs" ELSE 0 END`)} AS "genMs",
	${raw(`CASE WHEN ${measured} THEN r."completionTokens" ELSE 0 END`)} AS "genTokens",
	${raw(binCase('r."ttftMs"'))} AS bin
FROM "UsageRecord" r WHERE (${where}) AND r."deletedAt" IS NULL`;
}

const NO_ANSWER = raw(`0 AS answers, 0 AS failed, 0 AS stopped, 0 AS chats, 0 AS "promptTokens",
	0 AS "completionTokens", 0 AS "costNanos", 0 AS "ttftSumMs", 0 AS "ttftCount", 0 AS "genMs",
	0 AS "genTokens", -1 AS bin`);

/** One row per channel message in `Message m` matching `where` (deleted ones count: they were sent). */
export function messageFacts(where: Q): Q {
	return q`SELECT ${bucketOf('m."createdAt"')} AS bucket, CAST('local' AS TEXT) AS "instanceId",
	m."authorId" AS "userId", CAST('' AS TEXT) AS model, 1 AS messages, ${NO_ANSWER}
FROM "Message" m WHERE ${where}`;
}

/**
 * A channel message's fact row from the values it was written with, as messageFacts would read it
 * back: the send counts it without reading the row it just wrote. `from` (a CTE of the same
 * statement, on PostgreSQL) yields the row once per row it holds.
 */
export function messageFact(fact: { userId: string; at: Date }, from: Q = raw('')): Q {
	const bucket = Math.floor(fact.at.getTime() / 900_000);
	return q`SELECT CAST(${bucket} AS BIGINT) AS bucket, CAST('local' AS TEXT) AS "instanceId",
	CAST(${fact.userId} AS TEXT) AS "userId", CAST('' AS TEXT) AS model, 1 AS messages, ${NO_ANSWER} ${from}`;
}

/**
 * One row per message a person wrote in an imported chat (`InstanceMessage m`, role `user`, not
 * deleted) matching `where`: the imported counterpart of a channel message.
 */
export function importedMessageFacts(where: Q): Q {
	return q`SELECT ${bucketOf('m."createdAt"')} AS bucket, m."instanceId" AS "instanceId",
	m."userId" AS "userId", CAST('' AS TEXT) AS model, 1 AS messages, ${NO_ANSWER}
FROM "InstanceMessage" m WHERE (${where}) AND m.role = 'user' AND m."deletedAt" IS NULL`;
}

/** The activity bit of a fact's quarter-hour in its UTC day's two 48-bit masks. */
export const MASK_LO =
	'CASE WHEN bucket % 96 < 48 THEN CAST(1 AS BIGINT) << CAST(bucket % 96 AS INTEGER) ELSE 0 END';
export const MASK_HI =
	'CASE WHEN bucket % 96 >= 48 THEN CAST(1 AS BIGINT) << CAST(bucket % 96 - 48 AS INTEGER) ELSE 0 END';

/** A fact's 32-day block of UsageUserBlock, and its day's bit there. */
export const BLOCK = 'bucket / 96 / 32';
export const DAY_BIT = 'CAST(1 AS BIGINT) << CAST((bucket / 96) % 32 AS INTEGER)';

/** Joins fact rows `f` to their person's integer key `u."key"`. */
export const PERSON =
	'JOIN "UsageUser" u ON u."instanceId" = f."instanceId" AND u."userId" = f."userId"';

/** What a channel message can contribute (messageFacts): no answer measures, no histogram, no model. */
export const MESSAGE_MEASURES: readonly Measure[] = ['messages'];

/**
 * Incremental upkeep: add (`sign` 1) or take away (`sign` -1) the contribution of the facts in
 * `source` (normally one). Activity bits are only ever added: an update takes a fact away and adds
 * it back in the same quarter-hour, see rollups.ts (so taking away leaves UsageUserBlock alone).
 *
 * `measures` (with no histogram) narrows the statements to the measures the facts can have at all,
 * for a hot path: the other columns would only add zeros (they start at 0), and a rollup table
 * that holds none of them is left out (a message has no model, so no UsageUserModelDay row).
 * `afterBuckets` run between the per-model rows and the per-person ones, in the upkeep's order of
 * locking rows. `person` replaces the lookup of each fact's person key (with `ensure: false`, the
 * caller makes sure the person and model rows exist).
 */
export function deltaStatements(
	source: Q,
	sign: 1 | -1,
	measures: readonly Measure[] = MEASURES,
	afterBuckets: Q[] = [],
	{ person, ensure = true }: { person?: Q; ensure?: boolean } = {}
): Q[] {
	const all = measures === MEASURES;
	const only = (names: readonly Measure[]) => names.filter((m) => measures.includes(m));
	const add = (table: string, cols: readonly string[]) =>
		raw(cols.map((c) => `"${c}" = "${table}"."${c}" + excluded."${c}"`).join(', '));
	const masks = (table: string) =>
		raw(
			`"maskLo" = "${table}"."maskLo" | excluded."maskLo", "maskHi" = "${table}"."maskHi" | excluded."maskHi"`
		);
	const quarters = dialect({
		sqlite:
			'"firstQuarter" = min("UsageUserDay"."firstQuarter", excluded."firstQuarter"), "lastQuarter" = max("UsageUserDay"."lastQuarter", excluded."lastQuarter")',
		postgres:
			'"firstQuarter" = LEAST("UsageUserDay"."firstQuarter", excluded."firstQuarter"), "lastQuarter" = GREATEST("UsageUserDay"."lastQuarter", excluded."lastQuarter")'
	});
	const s = sign === 1 ? '' : '-';
	const values = (cols: readonly string[]) => raw(cols.map((c) => `${s}f."${c}"`).join(', '));
	const bucketMeasures = only(MEASURES);
	const userMeasures = only(USER_MEASURES);
	const userModelMeasures = only(USER_MODEL_MEASURES);
	const bins = all
		? raw(BIN_COLUMNS.map((_, i) => `, ${s}(${bit(`f.bin = ${i}`)})`).join(''))
		: raw('');
	const bucketColumns = [...bucketMeasures, ...(all ? BIN_COLUMNS : [])];
	// Each fact with its person's key `f."userKey"`: a scalar subquery, which SQLite runs for the
	// one row, where the PERSON join made the upsert twenty times slower (0.1 ms for one message).
	const userKey =
		person ??
		q`(SELECT u."key" FROM "UsageUser" u
	WHERE u."instanceId" = s."instanceId" AND u."userId" = s."userId")`;
	const keyed = q`(SELECT s.*, ${userKey} AS "userKey" FROM (${source}) s)`;
	const statements = [
		q`INSERT INTO "UsageBucket" (bucket, "instanceId", model, ${raw(columns(bucketColumns))})
SELECT f.bucket, f."instanceId", f.model, ${values(bucketMeasures)}${bins}
FROM (${source}) f WHERE true
ON CONFLICT (bucket, "instanceId", model) DO UPDATE SET ${add('UsageBucket', bucketColumns)}`,
		q`INSERT INTO "UsageBucketDay" (day, "instanceId", model, ${raw(columns(bucketColumns))})
SELECT f.bucket / 96, f."instanceId", f.model, ${values(bucketMeasures)}${bins}
FROM (${source}) f WHERE true
ON CONFLICT (day, "instanceId", model) DO UPDATE SET ${add('UsageBucketDay', bucketColumns)}`,
		...afterBuckets,
		q`INSERT INTO "UsageUserDay" (day, "userKey", "maskLo", "maskHi", "firstQuarter", "lastQuarter", ${raw(columns(userMeasures))})
SELECT f.bucket / 96, f."userKey", ${raw(MASK_LO)}, ${raw(MASK_HI)}, f.bucket % 96, f.bucket % 96, ${values(userMeasures)}
FROM ${keyed} f WHERE f."userKey" IS NOT NULL
ON CONFLICT (day, "userKey") DO UPDATE SET ${masks('UsageUserDay')}, ${quarters}, ${add('UsageUserDay', userMeasures)}`,
		...(userModelMeasures.length === 0
			? []
			: [
					q`INSERT INTO "UsageUserModelDay" (day, model, "userKey", "maskLo", "maskHi", ${raw(columns(userModelMeasures))})
SELECT f.bucket / 96, f.model, f."userKey", ${raw(MASK_LO)}, ${raw(MASK_HI)}, ${values(userModelMeasures)}
FROM ${keyed} f WHERE f."userKey" IS NOT NULL AND f.model <> ''
ON CONFLICT (day, model, "userKey") DO UPDATE SET ${masks('UsageUserModelDay')}, ${add('UsageUserModelDay', userModelMeasures)}`
				]),
		// Only the first fact of a person's day changes the row; the others leave it unwritten.
		...(sign === -1
			? []
			: [
					q`INSERT INTO "UsageUserBlock" (block, "userKey", days)
SELECT ${raw(BLOCK)}, f."userKey", ${raw(DAY_BIT)} FROM ${keyed} f WHERE f."userKey" IS NOT NULL
ON CONFLICT ("userKey", block) DO UPDATE SET days = "UsageUserBlock".days | excluded.days
WHERE ("UsageUserBlock".days & excluded.days) = 0`
				])
	];
	if (sign === -1 || !ensure) return statements;
	return [
		q`INSERT INTO "UsageUser" ("instanceId", "userId") SELECT f."instanceId", f."userId" FROM (${source}) f
WHERE true ON CONFLICT DO NOTHING`,
		q`INSERT INTO "UsageModel" ("instanceId", model) SELECT f."instanceId", f.model FROM (${source}) f
WHERE true ON CONFLICT DO NOTHING`,
		...statements
	];
}
