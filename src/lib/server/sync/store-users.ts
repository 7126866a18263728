/** Writes imported users; a user that disappeared takes their chats, messages and usage along. */
import type { Db } from '../db/client.ts';
import type { RemoteUser } from './remote.ts';
import { slices } from './bulk-insert.ts';
import { softDeleteChats } from './store-chats.ts';
import { fromSeconds } from './timestamps.ts';

export interface KnownUser {
	name: string;
	email: string;
	role: string;
	updatedAt: number;
	lastActiveAt: number | null;
	deleted: boolean;
}

export async function loadKnownUsers(db: Db, instanceId: string): Promise<Map<string, KnownUser>> {
	const rows = await db.instanceUser.findMany({ where: { instanceId } });
	return new Map(
		rows.map((r) => [
			r.remoteId,
			{
				name: r.name,
				email: r.email,
				role: r.role,
				updatedAt: r.updatedAt.getTime(),
				lastActiveAt: r.lastActiveAt?.getTime() ?? null,
				deleted: r.deletedAt !== null
			}
		])
	);
}

/**
 * Upserts one page of users; returns what changed. `known` is updated in place so a user seen
 * twice (pages shift when someone signs up mid-scan) is only counted once.
 */
export async function writeUsers(
	db: Db,
	instanceId: string,
	users: RemoteUser[],
	known: Map<string, KnownUser>,
	nowS: number
): Promise<{ added: number; updated: number; unchanged: number }> {
	const counts = { added: 0, updated: 0, unchanged: 0 };
	const writes = [];
	for (const user of users) {
		const createdS = user.createdS ?? user.updatedS ?? nowS;
		const fields = {
			name: user.name,
			email: user.email,
			role: user.role,
			createdAt: fromSeconds(createdS),
			updatedAt: fromSeconds(user.updatedS ?? createdS),
			lastActiveAt: user.lastActiveS === null ? null : fromSeconds(user.lastActiveS),
			deletedAt: null
		};
		const old = known.get(user.id);
		const next: KnownUser = {
			name: fields.name,
			email: fields.email,
			role: fields.role,
			updatedAt: fields.updatedAt.getTime(),
			lastActiveAt: fields.lastActiveAt?.getTime() ?? null,
			deleted: false
		};
		if (old && !old.deleted && sameUser(old, next)) {
			counts.unchanged++;
			continue;
		}
		counts[old ? 'updated' : 'added']++;
		known.set(user.id, next);
		const where = { instanceId_remoteId: { instanceId, remoteId: user.id } };
		writes.push(
			db.instanceUser.upsert({
				where,
				create: { instanceId, remoteId: user.id, ...fields },
				update: fields
			})
		);
	}
	if (writes.length) await db.$transaction(writes);
	return counts;
}

function sameUser(a: KnownUser, b: KnownUser): boolean {
	return (
		a.name === b.name &&
		a.email === b.email &&
		a.role === b.role &&
		a.updatedAt === b.updatedAt &&
		a.lastActiveAt === b.lastActiveAt
	);
}

/** Marks users deleted, with everything of theirs (Open WebUI deletes a user's chats with them). */
export async function softDeleteUsers(
	db: Db,
	instanceId: string,
	userIds: string[],
	at: Date
): Promise<{ users: number; chats: number; messages: number; days: Set<string> }> {
	let users = 0;
	const chatIds: string[] = [];
	for (const ids of slices(userIds)) {
		const rows = await db.instanceChat.findMany({
			where: { instanceId, userId: { in: ids }, deletedAt: null },
			select: { remoteId: true }
		});
		chatIds.push(...rows.map((r) => r.remoteId));
	}
	const cascade = await softDeleteChats(db, instanceId, chatIds, at);
	for (const ids of slices(userIds)) {
		users += (
			await db.instanceUser.updateMany({
				where: { instanceId, remoteId: { in: ids }, deletedAt: null },
				data: { deletedAt: at }
			})
		).count;
	}
	return { users, ...cascade };
}
