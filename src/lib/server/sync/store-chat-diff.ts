/**
 * What changed between a re-read chat and its stored messages and usage rows: new rows are
 * collected for bulk inserts, changed ones updated, vanished ones (a deleted branch) soft-deleted.
 */
import type { Prisma } from '../db/client.ts';
import { slices } from './bulk-insert.ts';
import type { ImportedChat, ImportedMessage } from './chat-tree.ts';
import type { InstanceRef } from './store-chats.ts';
import { utcDay } from './timestamps.ts';

type Tx = Prisma.TransactionClient;

/** Rows of a batch to insert in bulk at its end. */
export interface Fresh {
	chats: Prisma.InstanceChatCreateManyInput[];
	messages: Prisma.InstanceMessageCreateManyInput[];
	usage: Prisma.UsageRecordCreateManyInput[];
}

type MessageRow = Awaited<ReturnType<Tx['instanceMessage']['findMany']>>[number];
type UsageRow = Awaited<ReturnType<Tx['usageRecord']['findMany']>>[number];

export async function diffMessages(
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

export async function diffUsage(
	tx: Tx,
	instance: InstanceRef,
	chat: ImportedChat,
	rows: UsageRow[],
	fresh: Fresh,
	days: Set<string>
): Promise<boolean> {
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
	return changed || gone.length > 0;
}
