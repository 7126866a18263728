/**
 * The raw facts as uniform rows, and the rollup statements built from them. Incremental upkeep, the
 * full rebuild and the "raw" reports all use these same expressions, so a fact always contributes
 * the same numbers whichever path counted it. SQLite dialect; DateTime columns are ISO-8601 text as
 * Prisma writes them (`2026-03-29T00:30:00.000+00:00`), which compare correctly as text.
 */
import { TTFT_BIN_BOUNDS, TTFT_BINS } from '#lib/shared/usage.ts';

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

const binCase = (ttft: string) =>
	`CASE WHEN ${ttft} IS NULL THEN -1 ${TTFT_BIN_BOUNDS.map(
		(bound, i) => `WHEN ${ttft} < ${bound} THEN ${i}`
	).join(' ')} ELSE ${TTFT_BINS - 1} END`;

/**
 * One row per AI answer in `UsageRecord r` matching `where`, leaving out answers an import marked
 * deleted. An answer starts its chat when no earlier answer of the same chat exists (ties broken by
 * id), so the count is the same however the answers arrived; the (instanceId, chatId, createdAt, id)
 * index answers that with one probe.
 */
export function answerFacts(where: string): string {
	const measured = 'r.ttftMs IS NOT NULL AND r.durationMs > r.ttftMs';
	return `SELECT unixepoch(r.createdAt) / 900 AS bucket, r.instanceId AS instanceId,
	r.userId AS userId, r.model AS model, 0 AS messages, 1 AS answers,
	(r.status IN ('error', 'interrupted')) AS failed, (r.status = 'stopped') AS stopped,
	(r.chatId IS NOT NULL AND NOT EXISTS (SELECT 1 FROM UsageRecord p
		WHERE p.instanceId = r.instanceId AND p.chatId = r.chatId
		AND (p.createdAt, p.id) < (r.createdAt, r.id) AND p.deletedAt IS NULL)) AS chats,
	r.promptTokens AS promptTokens, r.completionTokens AS completionTokens,
	CAST(ROUND(r.costUsd * 1000000000) AS INTEGER) AS costNanos,
	COALESCE(r.ttftMs, 0) AS ttftSumMs, (r.ttftMs IS NOT NULL) AS ttftCount,
	CASE WHEN ${measured} THEN r.durationMs - r.ttftMs ELSE 0 END AS genMs,
	CASE WHEN ${measured} THEN r.completionTokens ELSE 0 END AS genTokens,
	${binCase('r.ttftMs')} AS bin
FROM UsageRecord r WHERE (${where}) AND r.deletedAt IS NULL`;
}

/** One row per channel message in `Message m` matching `where` (deleted ones count: they were sent). */
export function messageFacts(where: string): string {
	return `SELECT unixepoch(m.createdAt) / 900 AS bucket, 'local' AS instanceId,
	m.authorId AS userId, '' AS model, 1 AS messages, 0 AS answers, 0 AS failed, 0 AS stopped,
	0 AS chats, 0 AS promptTokens, 0 AS completionTokens, 0 AS costNanos, 0 AS ttftSumMs,
	0 AS ttftCount, 0 AS genMs, 0 AS genTokens, -1 AS bin
FROM Message m WHERE ${where}`;
}

/**
 * One row per message a person wrote in an imported chat (`InstanceMessage m`, role `user`, not
 * deleted) matching `where`: the imported counterpart of a channel message.
 */
export function importedMessageFacts(where: string): string {
	return `SELECT unixepoch(m.createdAt) / 900 AS bucket, m.instanceId AS instanceId,
	m.userId AS userId, '' AS model, 1 AS messages, 0 AS answers, 0 AS failed, 0 AS stopped,
	0 AS chats, 0 AS promptTokens, 0 AS completionTokens, 0 AS costNanos, 0 AS ttftSumMs,
	0 AS ttftCount, 0 AS genMs, 0 AS genTokens, -1 AS bin
FROM InstanceMessage m WHERE (${where}) AND m.role = 'user' AND m.deletedAt IS NULL`;
}

/** The activity bit of a fact's quarter-hour in its UTC day's two 48-bit masks. */
export const MASK_LO = 'CASE WHEN bucket % 96 < 48 THEN 1 << (bucket % 96) ELSE 0 END';
export const MASK_HI = 'CASE WHEN bucket % 96 >= 48 THEN 1 << (bucket % 96 - 48) ELSE 0 END';

/** Joins fact rows `f` to their person's integer key `u."key"`. */
export const PERSON = 'JOIN UsageUser u ON u.instanceId = f.instanceId AND u.userId = f.userId';

/**
 * Incremental upkeep: add (`sign` 1) or take away (`sign` -1) the contribution of the facts in
 * `source` (normally one). Activity bits are only ever added: an update takes a fact away and adds
 * it back in the same quarter-hour, see rollups.ts.
 */
export function deltaStatements(source: string, sign: 1 | -1): string[] {
	const add = (cols: readonly string[]) =>
		cols.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');
	const s = sign === 1 ? '' : '-';
	const values = (cols: readonly string[]) => cols.map((c) => `${s}f.${c}`).join(', ');
	const masks = 'maskLo = maskLo | excluded.maskLo, maskHi = maskHi | excluded.maskHi';
	const statements = [
		`INSERT INTO UsageBucket (bucket, instanceId, model, ${[...MEASURES, ...BIN_COLUMNS].join(', ')})
SELECT bucket, instanceId, model, ${values(MEASURES)},
	${BIN_COLUMNS.map((_, i) => `${s}(bin = ${i})`).join(', ')}
FROM (${source}) f WHERE true
ON CONFLICT (bucket, instanceId, model) DO UPDATE SET ${add([...MEASURES, ...BIN_COLUMNS])}`,
		`INSERT INTO UsageUserDay (day, userKey, maskLo, maskHi, ${USER_MEASURES.join(', ')})
SELECT f.bucket / 96, u."key", ${MASK_LO}, ${MASK_HI}, ${values(USER_MEASURES)}
FROM (${source}) f ${PERSON} WHERE true
ON CONFLICT (day, userKey) DO UPDATE SET ${masks}, ${add(USER_MEASURES)}`,
		`INSERT INTO UsageUserModelDay (day, model, userKey, maskLo, maskHi, ${USER_MODEL_MEASURES.join(', ')})
SELECT f.bucket / 96, f.model, u."key", ${MASK_LO}, ${MASK_HI}, ${values(USER_MODEL_MEASURES)}
FROM (${source}) f ${PERSON} WHERE f.model <> ''
ON CONFLICT (day, model, userKey) DO UPDATE SET ${masks}, ${add(USER_MODEL_MEASURES)}`
	];
	if (sign === -1) return statements;
	return [
		`INSERT OR IGNORE INTO UsageUser (instanceId, userId) SELECT instanceId, userId FROM (${source})`,
		`INSERT OR IGNORE INTO UsageModel (instanceId, model) SELECT instanceId, model FROM (${source})`,
		...statements
	];
}

/** A DateTime as Prisma stores it in SQLite, for comparisons with DateTime columns. */
export function sqliteTime(epochSeconds: number): string {
	return new Date(epochSeconds * 1000).toISOString().replace('Z', '+00:00');
}
