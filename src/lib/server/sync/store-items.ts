/** Models, knowledge bases, files and feedback: one table, diffed by id and content hash. */
import { createHash } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { slices } from './bulk-insert.ts';

export type ItemKind = 'model' | 'knowledge' | 'file' | 'feedback';

export interface ItemRecord {
	remoteId: string;
	userId: string | null;
	name: string;
	createdAt: Date | null;
	updatedAt: Date | null;
	meta: Record<string, unknown>;
}

export function itemHash(item: ItemRecord): string {
	return createHash('sha256')
		.update(
			JSON.stringify([
				item.userId,
				item.name,
				item.createdAt?.getTime() ?? null,
				item.updatedAt?.getTime() ?? null,
				item.meta
			])
		)
		.digest('base64url');
}

/** Upserts a listing of one kind and marks the stored items in `gone` as deleted. */
export async function writeItems(
	db: Db,
	instanceId: string,
	kind: ItemKind,
	items: ItemRecord[],
	options: {
		/** Remote ids to mark deleted (the caller decided the listing may be believed about them). */
		gone: string[];
		at: Date;
	}
): Promise<{ added: number; updated: number; deleted: number; unchanged: number }> {
	const counts = { added: 0, updated: 0, deleted: 0, unchanged: 0 };
	const rows = await db.instanceItem.findMany({
		where: { instanceId, kind },
		select: { remoteId: true, hash: true, deletedAt: true }
	});
	const stored = new Map(rows.map((r) => [r.remoteId, r]));
	const writes = [];
	const seen = new Set<string>();
	for (const item of items) {
		if (seen.has(item.remoteId)) continue;
		seen.add(item.remoteId);
		const hash = itemHash(item);
		const old = stored.get(item.remoteId);
		if (old && old.hash === hash && old.deletedAt === null) {
			counts.unchanged++;
			continue;
		}
		counts[old ? 'updated' : 'added']++;
		const fields = {
			userId: item.userId,
			name: item.name,
			createdAt: item.createdAt,
			updatedAt: item.updatedAt,
			meta: JSON.stringify(item.meta),
			hash,
			deletedAt: null,
			missingSince: null
		};
		writes.push(
			db.instanceItem.upsert({
				where: { instanceId_kind_remoteId: { instanceId, kind, remoteId: item.remoteId } },
				create: { instanceId, kind, remoteId: item.remoteId, ...fields },
				update: fields
			})
		);
	}
	for (const batch of slices(writes, 200)) await db.$transaction(batch);
	for (const ids of slices(options.gone)) {
		counts.deleted += (
			await db.instanceItem.updateMany({
				where: { instanceId, kind, remoteId: { in: ids }, deletedAt: null },
				data: { deletedAt: options.at }
			})
		).count;
	}
	return counts;
}

/**
 * Remembers when an untrusted listing first lacked these models, and forgets it for those that
 * are known to exist again (see model-guard.ts).
 */
export async function noteMissingModels(
	db: Db,
	instanceId: string,
	change: { mark: string[]; clear: string[]; at: Date }
): Promise<void> {
	const where = { instanceId, kind: 'model' };
	for (const ids of slices(change.mark)) {
		await db.instanceItem.updateMany({
			where: { ...where, remoteId: { in: ids }, missingSince: null },
			data: { missingSince: change.at }
		});
	}
	for (const ids of slices(change.clear)) {
		await db.instanceItem.updateMany({
			where: { ...where, remoteId: { in: ids } },
			data: { missingSince: null }
		});
	}
}
