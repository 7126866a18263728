/**
 * Keeps the usage read model (UsageBucket, UsageBucketDay, UsageUserDay, UsageUserModelDay,
 * UsageModel) in step with
 * the raw facts as they are written. Services call `messagePosted` and `recordAnswer` inside the
 * transaction that writes the fact, so a fact and its rollups commit together or not at all:
 * nothing is counted twice or lost. rebuild.ts recomputes the same rollups from scratch.
 *
 * The SQL is the same on both databases except for a few fragments (fact-sql.ts), so the upkeep is
 * made for one database: the App creates it from its target, and services receive it.
 */
import type { Sql } from '../db/adapter-sql.ts';
import { flatten, join, q, raw, unflatten, type Q } from '../db/sql.ts';
import type { Dialect } from '../db/target.ts';
import {
	answerFacts,
	bucketOf,
	byteOrder,
	deltaStatements,
	MEASURES,
	MESSAGE_MEASURES,
	messageFact
} from './fact-sql.ts';

/** The channel message a send counts: who wrote it, when. */
export interface MessageFactInput {
	userId: string;
	at: Date;
}

interface AnswerKey {
	id: string;
	instanceId: string;
	chatId: string | null;
	userId: string;
	model: string;
	/** As text: only compared for equality, before and after a write. */
	createdAt: string;
}

const ANSWER_KEY = raw(
	'SELECT id, "instanceId", "chatId", "userId", model, CAST("createdAt" AS TEXT) AS "createdAt" FROM "UsageRecord"'
);

/** Stands for a message's author in the statements kept per quarter-hour. */
const AUTHOR = Symbol('author');

export class UsageRollups {
	readonly dialect: Dialect;
	#messageStatements: { bucket: number; flat: ReturnType<typeof flatten>[] } | undefined;

	constructor(dialect: Dialect) {
		this.dialect = dialect;
	}

	async #run(tx: Sql, statements: Q[]): Promise<void> {
		for (const statement of statements) await tx.run(statement);
	}

	/** Counts a channel message that was just inserted, in the same transaction. */
	async messagePosted(tx: Sql, fact: MessageFactInput): Promise<void> {
		const bucket = Math.floor(fact.at.getTime() / 900_000);
		// The statements differ only by the quarter-hour (a literal) and the author (a parameter):
		// built once per quarter-hour, they are not composed and rendered again for every message.
		if (this.#messageStatements?.bucket !== bucket) {
			const statements = deltaStatements(
				messageFact({ userId: AUTHOR as unknown as string, at: fact.at }),
				1,
				MESSAGE_MEASURES
			);
			this.#messageStatements = { bucket, flat: statements.map((s) => flatten(s, this.dialect)) };
		}
		for (const { texts, values } of this.#messageStatements.flat) {
			await tx.run(
				unflatten(
					texts,
					values.map((v) => (v === AUTHOR ? fact.userId : v))
				)
			);
		}
	}

	/**
	 * PostgreSQL: counts the message that CTE `inserted` of the same statement writes (once per row
	 * it returns), as more CTEs for that statement's WITH. A statement reads the tables as they were
	 * when it began, so the person's key comes from the upsert of their row, which returns it
	 * whether this statement, an earlier one or a concurrent one wrote it.
	 */
	messagePostedCtes(fact: MessageFactInput, inserted: string): Q {
		const source = messageFact(fact, raw(`FROM ${inserted}`));
		const rollups = deltaStatements(source, 1, MESSAGE_MEASURES, [], {
			person: raw('(SELECT "key" FROM usage_person)'),
			ensure: false
		});
		return join(
			[
				q`usage_person AS (INSERT INTO "UsageUser" ("instanceId", "userId")
	SELECT f."instanceId", f."userId" FROM (${source}) f
	ON CONFLICT ("instanceId", "userId") DO UPDATE SET "userId" = excluded."userId" RETURNING "key")`,
				q`usage_model AS (INSERT INTO "UsageModel" ("instanceId", model)
	SELECT f."instanceId", f.model FROM (${source}) f ON CONFLICT DO NOTHING)`,
				...rollups.map((statement, i) => q`${raw(`usage_${i}`)} AS (${statement})`)
			],
			',\n'
		);
	}

	/**
	 * Writes an answer's usage row through `write` (an insert, or an update of a continued answer)
	 * and moves the rollups by the difference, in the caller's transaction: the old contribution
	 * out, the new one in. A first answer that is older than its chat's known first answer (an
	 * import) moves the chat's start to itself.
	 */
	async recordAnswer<T>(
		tx: Sql,
		key: { instanceId: string; messageId: string },
		write: () => Promise<T>
	): Promise<T> {
		const find = () =>
			tx.all<AnswerKey>(
				q`${ANSWER_KEY} WHERE "instanceId" = ${key.instanceId} AND "messageId" = ${key.messageId}`
			);
		const [before] = await find();
		if (before) {
			await this.#lockChat(tx, before);
			await this.#run(tx, deltaStatements(answerFacts(q`r.id = ${before.id}`), -1));
		}
		const result = await write();
		const [after] = await find();
		if (!after) throw new Error(`usage row for ${key.messageId} was not written`);
		if (!before) await this.#lockChat(tx, after);
		const displaced = !before && after.chatId ? await this.#displaceChatStart(tx, after) : [];
		await this.#run(
			tx,
			deltaStatements(answerFacts(q`r.id = ${after.id}`), 1, MEASURES, displaced)
		);
		if (before && !sameSlot(before, after)) {
			// The rollups place an answer by its time, person, model, instance and chat, so those never
			// change once written (Parley never does; an importer deletes and re-inserts instead).
			throw new Error(`usage row ${before.id} changed its time, person, model or chat`);
		}
		return result;
	}

	/**
	 * Which answer starts a chat depends on the chat's other answers, so two answers of one chat must
	 * not be counted at the same time: on PostgreSQL (read committed) each would miss the other,
	 * still uncommitted, and both would count as the start. A transaction lock per chat makes the
	 * second wait until the first commits, and then see it. It is taken before any rollup row is
	 * touched, so waiting for it never holds a lock the first one needs. SQLite runs one writer at a
	 * time anyway.
	 */
	async #lockChat(tx: Sql, answer: AnswerKey): Promise<void> {
		if (this.dialect !== 'postgres' || !answer.chatId) return;
		const chat = `${answer.instanceId}\u001f${answer.chatId}`;
		await tx.all(
			q`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended(${chat}, 0))) l`
		);
	}

	/**
	 * If `answer` is now its chat's first answer, the previous first one stops counting as the start:
	 * its quarter-hour now, and its day (the statement returned) in the upkeep's own order of rows,
	 * after the quarter-hours and before the people. Taking the day row earlier deadlocked on
	 * PostgreSQL against another answer of the day holding its quarter-hour and waiting for the day.
	 */
	async #displaceChatStart(tx: Sql, answer: AnswerKey): Promise<Q[]> {
		// Compared by the database, as the fact query compares (createdAt, id).
		const [next] = await tx.all<{ bucket: number; model: string; earlier: number }>(
			q`SELECT ${bucketOf('n."createdAt"')} AS bucket, n.model AS model,
	CASE WHEN (a."createdAt", ${byteOrder('a.id')}) < (n."createdAt", ${byteOrder('n.id')}) THEN 1 ELSE 0 END AS earlier
FROM "UsageRecord" a JOIN "UsageRecord" n ON n."instanceId" = a."instanceId" AND n."chatId" = a."chatId"
WHERE a.id = ${answer.id} AND n.id <> a.id AND n."deletedAt" IS NULL
ORDER BY n."createdAt", ${byteOrder('n.id')} LIMIT 1`
		);
		if (!next || !next.earlier) return [];
		await tx.run(
			q`UPDATE "UsageBucket" SET chats = chats - 1
WHERE bucket = ${next.bucket} AND "instanceId" = ${answer.instanceId} AND model = ${next.model}`
		);
		return [
			q`UPDATE "UsageBucketDay" SET chats = chats - 1
WHERE day = ${Math.floor(next.bucket / 96)} AND "instanceId" = ${answer.instanceId} AND model = ${next.model}`
		];
	}
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
