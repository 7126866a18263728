/**
 * Keeps the usage read model (UsageBucket, UsageUserDay, UsageActivity, UsageModel) in step with
 * the raw facts as they are written. Services call `messagePosted` and `recordAnswer` inside the
 * transaction that writes the fact, so a fact and its rollups commit together or not at all:
 * nothing is counted twice or lost. rebuild.ts recomputes the same rollups from scratch.
 */
import type { Db, Prisma } from '../db/client.ts';
import { answerFacts, deltaStatements, messageFacts } from './fact-sql.ts';

/** Anything that runs raw SQL: the client or a transaction. */
export type Sql = Pick<Db, '$executeRawUnsafe' | '$queryRawUnsafe'> | Prisma.TransactionClient;

interface AnswerKey {
	id: string;
	instanceId: string;
	chatId: string | null;
	userId: string;
	model: string;
	createdAt: string;
}

// createdAt as the stored text: Prisma's raw queries would turn a DateTime column into a Date.
const ANSWER_KEY =
	'SELECT id, instanceId, chatId, userId, model, CAST(createdAt AS TEXT) AS createdAt FROM UsageRecord';

async function run(tx: Sql, statements: string[], ...params: unknown[]): Promise<void> {
	for (const statement of statements) await tx.$executeRawUnsafe(statement, ...params);
}

/** Counts a channel message that was just inserted, in the same transaction. */
export async function messagePosted(tx: Sql, messageId: string): Promise<void> {
	await run(tx, deltaStatements(messageFacts('m.id = ?'), 1), messageId);
}

/**
 * Writes an answer's usage row through `write` (an insert, or an update of a continued answer) and
 * moves the rollups by the difference, in the caller's transaction: the old contribution out, the
 * new one in. A first answer that is older than its chat's known first answer (an import) moves the
 * chat's start to itself.
 */
export async function recordAnswer<T>(
	tx: Sql,
	key: { instanceId: string; messageId: string },
	write: () => Promise<T>
): Promise<T> {
	const find = () =>
		tx.$queryRawUnsafe<AnswerKey[]>(
			`${ANSWER_KEY} WHERE instanceId = ? AND messageId = ?`,
			key.instanceId,
			key.messageId
		);
	const [before] = await find();
	if (before) await run(tx, deltaStatements(answerFacts('r.id = ?'), -1), before.id);
	const result = await write();
	const [after] = await find();
	if (!after) throw new Error(`usage row for ${key.messageId} was not written`);
	if (!before && after.chatId) await displaceChatStart(tx, after);
	await run(tx, deltaStatements(answerFacts('r.id = ?'), 1), after.id);
	if (before && !sameSlot(before, after)) {
		// The rollups place an answer by its time, person, model, instance and chat, so those never
		// change once written (Parley never does; an importer deletes and re-inserts instead).
		throw new Error(`usage row ${before.id} changed its time, person, model or chat`);
	}
	return result;
}

function sameSlot(a: AnswerKey, b: AnswerKey): boolean {
	return (
		a.createdAt === b.createdAt &&
		a.userId === b.userId &&
		a.model === b.model &&
		a.instanceId === b.instanceId &&
		a.chatId === b.chatId
	);
}

/** If `answer` is now its chat's first answer, the previous first one stops counting as the start. */
async function displaceChatStart(tx: Sql, answer: AnswerKey): Promise<void> {
	const [next] = await tx.$queryRawUnsafe<AnswerKey[]>(
		`${ANSWER_KEY} WHERE instanceId = ? AND chatId = ? AND id <> ? AND deletedAt IS NULL
			ORDER BY createdAt, id LIMIT 1`,
		answer.instanceId,
		answer.chatId,
		answer.id
	);
	if (!next) return;
	// Compared by SQLite, as the fact query compares (createdAt, id).
	const [order] = await tx.$queryRawUnsafe<{ earlier: number | bigint }[]>(
		'SELECT (?, ?) < (?, ?) AS earlier',
		answer.createdAt,
		answer.id,
		next.createdAt,
		next.id
	);
	if (!Number(order.earlier)) return;
	const bucket = Math.floor(Date.parse(next.createdAt) / 1000 / 900);
	await tx.$executeRawUnsafe(
		'UPDATE UsageBucket SET chats = chats - 1 WHERE bucket = ? AND instanceId = ? AND model = ?',
		bucket,
		next.instanceId,
		next.model
	);
}
