/**
 * Writes imported chats: the chat row, its messages (InstanceMessage) and its answers' usage
 * (UsageRecord), in one transaction per batch, so a chat is either imported whole or not at all.
 */
import type { Db, Prisma } from '../db/client.ts';
import { uuidv7 } from '../db/uuid.ts';
import { insertRows, slices } from './bulk-insert.ts';
import { diffMessages, diffUsage, type Fresh } from './store-chat-diff.ts';
import type { ImportedChat } from './chat-tree.ts';
import { fromSeconds, utcDay } from './timestamps.ts';

type Tx = Prisma.TransactionClient;

export interface ChatWrite {
	/** `unchanged` when nothing Parley imports of it differs (a full run re-reads every chat). */
	chat: 'added' | 'updated' | 'unchanged';
	messages: { added: number; updated: number; deleted: number; unchanged: number };
	/** UTC days whose usage or message counts changed. */
	days: Set<string>;
}

export interface InstanceRef {
	id: string;
	name: string;
}

/** Live imported chats of an instance, per user: userId → (chatId → remote updated_at in s). */
export async function loadKnownChats(
	db: Db,
	instanceId: string
): Promise<Map<string, Map<string, number>>> {
	const rows = await db.instanceChat.findMany({
		where: { instanceId, deletedAt: null },
		select: { remoteId: true, userId: true, updatedAt: true }
	});
	const byUser = new Map<string, Map<string, number>>();
	for (const row of rows) {
		let chats = byUser.get(row.userId);
		if (!chats) byUser.set(row.userId, (chats = new Map()));
		chats.set(row.remoteId, row.updatedAt.getTime() / 1000);
	}
	return byUser;
}

/**
 * Imports a batch of chats in one transaction: each chat whole, with its messages and usage, or
 * (if the transaction fails) none of them. Batching keeps the number of queries per chat small.
 */
export async function writeChats(
	db: Db,
	instance: InstanceRef,
	chats: ImportedChat[]
): Promise<ChatWrite[]> {
	const instanceId = instance.id;
	const ids = chats.map((c) => c.id);
	return db.$transaction(
		async (tx) => {
			const where = { instanceId, chatId: { in: ids } };
			const [existing, messageRows, usageRows] = await Promise.all([
				tx.instanceChat.findMany({ where: { instanceId, remoteId: { in: ids } } }),
				tx.instanceMessage.findMany({ where }),
				tx.usageRecord.findMany({ where })
			]);
			const known = new Map(existing.map((c) => [c.remoteId, c]));
			const messagesByChat = group(messageRows, (r) => r.chatId);
			const usageByChat = group(usageRows, (r) => r.chatId ?? '');
			const fresh: Fresh = { chats: [], messages: [], usage: [] };
			const results: ChatWrite[] = [];
			for (const chat of chats) {
				const fields = chatFields(chat);
				const old = known.get(chat.id);
				const rowChanged = !old || !sameChat(old, fields);
				if (!old) {
					fresh.chats.push({ instanceId, remoteId: chat.id, ...fields });
				} else if (rowChanged) {
					await tx.instanceChat.update({
						where: { instanceId_remoteId: { instanceId, remoteId: chat.id } },
						data: fields
					});
				}
				const days = new Set<string>();
				const messages = await diffMessages(
					tx,
					instanceId,
					chat,
					messagesByChat.get(chat.id) ?? [],
					fresh,
					days
				);
				const usageChanged = await diffUsage(
					tx,
					instance,
					chat,
					usageByChat.get(chat.id) ?? [],
					fresh,
					days
				);
				const changed =
					rowChanged || usageChanged || messages.added + messages.updated + messages.deleted > 0;
				results.push({ chat: !old ? 'added' : changed ? 'updated' : 'unchanged', messages, days });
			}
			await insertFresh(tx, fresh);
			return results;
		},
		{ maxWait: 60_000, timeout: 120_000 }
	);
}

const CHAT_COLUMNS = [
	'instanceId',
	'remoteId',
	'userId',
	'title',
	'messageCount',
	'archived',
	'createdAt',
	'updatedAt',
	'syncedAt'
] as const;
const MESSAGE_COLUMNS = [
	'instanceId',
	'remoteId',
	'chatId',
	'userId',
	'role',
	'model',
	'parentId',
	'createdAt',
	'syncedAt'
] as const;
const USAGE_COLUMNS = [
	'id',
	'instanceId',
	'userId',
	'chatId',
	'messageId',
	'providerName',
	'model',
	'promptTokens',
	'completionTokens',
	'tokensEstimated',
	'costUsd',
	'durationMs',
	'status',
	'createdAt'
] as const;

/** Inserts the batch's new rows (raw multi-row inserts: see bulk-insert.ts). */
async function insertFresh(tx: Tx, fresh: Fresh): Promise<void> {
	const now = new Date();
	await insertRows(
		tx,
		'InstanceChat',
		CHAT_COLUMNS,
		fresh.chats.map((c) => [
			c.instanceId,
			c.remoteId,
			c.userId,
			c.title ?? '',
			c.messageCount ?? 0,
			c.archived ?? false,
			c.createdAt as Date,
			c.updatedAt as Date,
			now
		])
	);
	await insertRows(
		tx,
		'InstanceMessage',
		MESSAGE_COLUMNS,
		fresh.messages.map((m) => [
			m.instanceId,
			m.remoteId,
			m.chatId,
			m.userId,
			m.role,
			m.model ?? null,
			m.parentId ?? null,
			m.createdAt as Date,
			now
		])
	);
	await insertRows(
		tx,
		'UsageRecord',
		USAGE_COLUMNS,
		fresh.usage.map((u) => [
			uuidv7(),
			u.instanceId ?? 'local',
			u.userId,
			u.chatId ?? null,
			u.messageId,
			u.providerName,
			u.model,
			u.promptTokens,
			u.completionTokens,
			u.tokensEstimated ?? false,
			u.costUsd ?? 0,
			u.durationMs ?? null,
			u.status,
			u.createdAt as Date
		])
	);
}

function group<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
	const map = new Map<string, T[]>();
	for (const row of rows) {
		const k = key(row);
		const list = map.get(k);
		if (list) list.push(row);
		else map.set(k, [row]);
	}
	return map;
}

function chatFields(chat: ImportedChat) {
	return {
		userId: chat.userId,
		title: chat.title,
		archived: chat.archived,
		messageCount: chat.messages.length,
		createdAt: chat.createdAt,
		updatedAt: fromSeconds(chat.updatedS),
		deletedAt: null
	};
}

type ChatRow = Awaited<ReturnType<Tx['instanceChat']['findMany']>>[number];

/** Whether the stored row already holds what a fresh read of the chat would write. */
function sameChat(row: ChatRow, fields: ReturnType<typeof chatFields>): boolean {
	return (
		row.deletedAt === null &&
		row.userId === fields.userId &&
		row.title === fields.title &&
		row.archived === fields.archived &&
		row.messageCount === fields.messageCount &&
		row.createdAt.getTime() === fields.createdAt.getTime() &&
		row.updatedAt.getTime() === fields.updatedAt.getTime()
	);
}

/**
 * Marks chats (and their messages and usage) deleted. Returns how many messages that touched and
 * the UTC days whose figures change.
 */
export async function softDeleteChats(
	db: Db,
	instanceId: string,
	chatIds: string[],
	at: Date
): Promise<{ chats: number; messages: number; days: Set<string> }> {
	const days = new Set<string>();
	let chats = 0;
	let messages = 0;
	for (const ids of slices(chatIds)) {
		await db.$transaction(async (tx) => {
			const live = { instanceId, chatId: { in: ids }, deletedAt: null };
			const [usageRows, messageRows] = await Promise.all([
				tx.usageRecord.findMany({ where: live, select: { createdAt: true } }),
				tx.instanceMessage.findMany({ where: live, select: { createdAt: true } })
			]);
			for (const r of [...usageRows, ...messageRows]) days.add(utcDay(r.createdAt));
			messages += (await tx.instanceMessage.updateMany({ where: live, data: { deletedAt: at } }))
				.count;
			await tx.usageRecord.updateMany({ where: live, data: { deletedAt: at } });
			chats += (
				await tx.instanceChat.updateMany({
					where: { instanceId, remoteId: { in: ids }, deletedAt: null },
					data: { deletedAt: at }
				})
			).count;
		});
	}
	return { chats, messages, days };
}
