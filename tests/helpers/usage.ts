/**
 * Usage tests without a server: a fresh migrated database (SQLite, or PostgreSQL with
 * PARLEY_TEST_DB=postgres), the app's Prisma client and its UsageService, and facts written through
 * the same upkeep calls the services make.
 */
import { prismaTxSql } from '#lib/server/db/prisma-sql.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '#lib/server/db/client.ts';
import { applyMigrations } from '#lib/server/db/migrate.ts';
import { parseDatabaseUrl, type DatabaseTarget } from '#lib/server/db/target.ts';
import { UsageRollups } from '#lib/server/usage/rollups.ts';
import { UsageService } from '#lib/server/usage/usage.service.ts';
import type { ReportResult } from '#lib/shared/usage.ts';
import { createPostgresDatabase, openTestDb, TEST_DB } from './database.ts';

export interface UsageDb {
	/** The DATABASE_URL (for the CLI and direct checks). */
	url: string;
	target: DatabaseTarget;
	db: Db;
	usage: UsageService;
	close(): Promise<void>;
}

/** The upkeep the services run, for the suite's database. */
const rollups = new UsageRollups(TEST_DB);

export async function openUsageDb(): Promise<UsageDb> {
	const dir = mkdtempSync(path.join(tmpdir(), 'parley-usage-'));
	const url =
		TEST_DB === 'postgres'
			? await createPostgresDatabase('usage')
			: `file:${path.join(dir, 'parley.db')}`;
	const target = parseDatabaseUrl(url);
	await applyMigrations(target);
	const db = await createDb(target);
	const usage = new UsageService(target);
	return {
		url,
		target,
		db,
		usage,
		async close() {
			await usage.close();
			await db.$disconnect();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

let counter = 0;
const next = (prefix: string) => `${prefix}-${++counter}`;

export async function addUser(db: Db, displayName: string): Promise<string> {
	const user = await db.user.create({
		data: { email: `${next('u')}@usage.test`, displayName, passwordHash: 'x' }
	});
	return user.id;
}

export async function addChannel(db: Db): Promise<string> {
	return (await db.channel.create({ data: { kind: 'public', name: next('usage') } })).id;
}

/** A channel message at a given time, counted as MessageService.send counts it. */
export async function postMessage(
	db: Db,
	fact: { channelId: string; authorId: string; at: string }
): Promise<string> {
	return db.$transaction(async (tx) => {
		const channel = await tx.channel.update({
			where: { id: fact.channelId },
			data: { version: { increment: 1 } }
		});
		const message = await tx.message.create({
			data: {
				channelId: fact.channelId,
				seq: channel.version,
				version: channel.version,
				authorId: fact.authorId,
				clientId: next('c'),
				body: 'hello',
				createdAt: new Date(fact.at)
			}
		});
		await rollups.messagePosted(prismaTxSql(tx, TEST_DB), {
			userId: fact.authorId,
			at: message.createdAt
		});
		return message.id;
	});
}

export interface AnswerFact {
	userId: string;
	model: string;
	at: string;
	prompt: number;
	completion: number;
	cost: number;
	ttft: number | null;
	duration: number | null;
	status: 'done' | 'stopped' | 'error' | 'interrupted';
	chatId: string | null;
	instanceId?: string;
	messageId?: string;
}

/** An AI answer's usage row, written and counted as CompletionJob writes it. */
export async function answer(db: Db, fact: AnswerFact): Promise<string> {
	const instanceId = fact.instanceId ?? 'local';
	const messageId = fact.messageId ?? next('answer');
	await db.$transaction((tx) =>
		rollups.recordAnswer(prismaTxSql(tx, TEST_DB), { instanceId, messageId }, () =>
			tx.usageRecord.create({
				data: {
					instanceId,
					messageId,
					userId: fact.userId,
					chatId: fact.chatId,
					providerName: 'test',
					model: fact.model,
					promptTokens: fact.prompt,
					completionTokens: fact.completion,
					costUsd: fact.cost,
					ttftMs: fact.ttft,
					durationMs: fact.duration,
					status: fact.status,
					createdAt: new Date(fact.at)
				}
			})
		)
	);
	return messageId;
}

/** A continued answer: the same row grows, as CompletionJob's upsert update does. */
export async function continueAnswer(
	db: Db,
	key: { instanceId?: string; messageId: string },
	more: { prompt: number; completion: number; cost: number; duration: number; status: string }
): Promise<void> {
	const instanceId = key.instanceId ?? 'local';
	await db.$transaction((tx) =>
		rollups.recordAnswer(prismaTxSql(tx, TEST_DB), { instanceId, messageId: key.messageId }, () =>
			tx.usageRecord.update({
				where: { instanceId_messageId: { instanceId, messageId: key.messageId } },
				data: {
					promptTokens: { increment: more.prompt },
					completionTokens: { increment: more.completion },
					costUsd: { increment: more.cost },
					durationMs: more.duration,
					status: more.status
				}
			})
		)
	);
}

/** Every rollup row, in a stable order, for comparing two states. */
export async function snapshotRollups(url: string): Promise<Record<string, unknown[]>> {
	const raw = await openTestDb(url);
	try {
		const tables: Record<string, string> = {
			UsageBucket: 'bucket, "instanceId", model',
			UsageBucketDay: 'day, "instanceId", model',
			UsageUserDay: 'day, "userKey"',
			UsageUserModelDay: 'day, model, "userKey"',
			UsageUserBlock: 'block, "userKey"',
			UsageUser: '"key"',
			UsageModel: '"instanceId", model'
		};
		const snapshot: Record<string, unknown[]> = {};
		for (const [table, order] of Object.entries(tables)) {
			const rows = await raw.all(`SELECT * FROM "${table}" ORDER BY ${order}`);
			// BIGINT columns (costs, activity masks) as numbers on both databases.
			snapshot[table] = rows.map((row) =>
				Object.fromEntries(
					Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])
				)
			);
		}
		return snapshot;
	} finally {
		await raw.close();
	}
}

/** A report's metric rows as { metric: value }. */
export function metrics(result: ReportResult, column = 'value'): Record<string, unknown> {
	return Object.fromEntries(result.rows.map((r) => [r.metric, r[column]]));
}
