/**
 * Writes imported chats: the chat row, its messages (InstanceMessage) and its answers' usage
 * (UsageRecord), in one transaction per batch, so a chat is either imported whole or not at all.
 */
import type { Db, Prisma } from '../db/client.ts';
import { insertRows, uuidv7 } from './bulk-insert.ts';
import type { ImportedChat, ImportedMessage } from './chat-tree.ts';
import { fromSeconds, utcDay } from './timestamps.ts';

type Tx = Prisma.TransactionClient;

export interface ChatWrite {
	chat: 'added' | 'updated';
	messages: { added: number; updated: number; deleted: number; unchanged: number };
	/** UTC days whose usage or message counts changed. */
	days: Set<string>;
}

export interface InstanceRef {
	id: string;
	name: string;
}

/** SQLite limits bound parameters; long id lists go in slices. */
const SLICE = 500;

export function slices<T>(items: T[], size = SLICE): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
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
				tx.instanceChat.findMany({
					where: { instanceId, remoteId: { in: ids } },
					select: { remoteId: true }
				}),
				tx.instanceMessage.findMany({ where }),
				tx.usageRecord.findMany({ where })
			]);
			const known = new Set(existing.map((c) => c.remoteId));
			const messagesByChat = group(messageRows, (r) => r.chatId);
			const usageByChat = group(usageRows, (r) => r.chatId ?? '');
			const fresh: Fresh = { chats: [], messages: [], usage: [] };
			const results: ChatWrite[] = [];
			for (const chat of chats) {
				const fields = chatFields(chat);
				if (known.has(chat.id)) {
					await tx.instanceChat.update({
						where: { instanceId_remoteId: { instanceId, remoteId: chat.id } },
						data: fields
					});
				} else {
					fresh.chats.push({ instanceId, remoteId: chat.id, ...fields });
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
				await diffUsage(tx, instance, chat, usageByChat.get(chat.id) ?? [], fresh, days);
				results.push({ chat: known.has(chat.id) ? 'updated' : 'added', messages, days });
			}
			await insertFresh(tx, fresh);
			return results;
		},
		{ maxWait: 60_000, timeout: 120_000 }
	);
}

interface Fresh {
	chats: Prisma.InstanceChatCreateManyInput[];
	messages: Prisma.InstanceMessageCreateManyInput[];
	usage: Prisma.UsageRecordCreateManyInput[];
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

type MessageRow = Awaited<ReturnType<Tx['instanceMessage']['findMany']>>[number];
type UsageRow = Awaited<ReturnType<Tx['usageRecord']['findMany']>>[number];

async function diffMessages(
	tx: Tx,
	instanceId: string,
	chat: ImportedChat,
	rows: MessageRow[],
	fresh: Fresh,
	days: Set<string>
) {
	const counts = { added: 0, updated: 0, deleted: 0, unchanged: 0 };
	const stored = new Map(rows.map((r) => [r.remoteId, r]));
	for (const m of chat.messages) {
		const fields = {
			chatId: chat.id,
			userId: chat.userId,
			role: m.role,
			model: m.model,
			parentId: m.parentId,
			createdAt: m.createdAt,
			deletedAt: null
		};
		const old = stored.get(m.key);
		stored.delete(m.key);
		if (!old) {
			fresh.messages.push({ instanceId, remoteId: m.key, ...fields });
			counts.added++;
			days.add(utcDay(m.createdAt));
		} else if (
			old.deletedAt !== null ||
			old.userId !== fields.userId ||
			old.role !== m.role ||
			old.model !== m.model ||
			old.parentId !== m.parentId ||
			old.createdAt.getTime() !== m.createdAt.getTime()
		) {
			await tx.instanceMessage.update({
				where: { instanceId_remoteId: { instanceId, remoteId: m.key } },
				data: fields
			});
			counts.updated++;
			days.add(utcDay(old.createdAt)).add(utcDay(m.createdAt));
		} else {
			counts.unchanged++;
		}
	}
	// Messages gone from the tree (a deleted branch): kept, marked deleted.
	const gone = [...stored.values()].filter((r) => r.deletedAt === null);
	for (const ids of slices(gone.map((r) => r.remoteId))) {
		await tx.instanceMessage.updateMany({
			where: { instanceId, remoteId: { in: ids } },
			data: { deletedAt: new Date() }
		});
	}
	for (const r of gone) days.add(utcDay(r.createdAt));
	counts.deleted = gone.length;
	return counts;
}

function usageFields(instance: InstanceRef, chat: ImportedChat, m: ImportedMessage) {
	const usage = m.usage ?? {
		promptTokens: 0,
		completionTokens: 0,
		estimated: true,
		durationMs: null
	};
	return {
		userId: chat.userId,
		chatId: chat.id,
		providerName: instance.name,
		model: m.model ?? 'unknown',
		promptTokens: usage.promptTokens,
		completionTokens: usage.completionTokens,
		tokensEstimated: usage.estimated,
		durationMs: usage.durationMs,
		status: m.status,
		createdAt: m.createdAt,
		deletedAt: null
	};
}

async function diffUsage(
	tx: Tx,
	instance: InstanceRef,
	chat: ImportedChat,
	rows: UsageRow[],
	fresh: Fresh,
	days: Set<string>
) {
	const instanceId = instance.id;
	let changed = false;
	const stored = new Map(rows.map((r) => [r.messageId, r]));
	for (const m of chat.messages) {
		if (m.role !== 'assistant') continue;
		const fields = usageFields(instance, chat, m);
		const old = stored.get(m.key);
		stored.delete(m.key);
		if (!old) {
			fresh.usage.push({ instanceId, messageId: m.key, costUsd: 0, ...fields });
			days.add(utcDay(m.createdAt));
			changed = true;
		} else if (
			(Object.keys(fields) as (keyof typeof fields)[]).some((k) =>
				k === 'createdAt'
					? old.createdAt.getTime() !== fields.createdAt.getTime()
					: old[k] !== fields[k]
			)
		) {
			await tx.usageRecord.update({ where: { id: old.id }, data: fields });
			days.add(utcDay(old.createdAt)).add(utcDay(m.createdAt));
			changed = true;
		}
	}
	const gone = [...stored.values()].filter((r) => r.deletedAt === null);
	for (const ids of slices(gone.map((r) => r.id))) {
		await tx.usageRecord.updateMany({
			where: { id: { in: ids } },
			data: { deletedAt: new Date() }
		});
	}
	for (const r of gone) days.add(utcDay(r.createdAt));
	// The chat's first answer counts as its start, so a change can move the start to another day.
	if (changed || gone.length) {
		for (const r of rows) days.add(utcDay(r.createdAt));
	}
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
