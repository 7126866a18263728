import type { Db } from '../db/client.ts';
import { containsText } from '../db/text-filter.ts';
import { AppError } from '../errors.ts';
import type { ChannelKind, ChannelSummary, MemberRole, UserRef } from '#lib/shared/channels.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { userRefSelect } from './dto.ts';

const channelSelect = {
	id: true,
	kind: true,
	name: true,
	description: true,
	archivedAt: true,
	createdAt: true,
	version: true,
	lastMessageSeq: true,
	lastMessageAt: true,
	_count: { select: { members: { where: { removedAt: null } } } }
} as const;

type ChannelRow = {
	id: string;
	kind: string;
	name: string | null;
	description: string;
	archivedAt: Date | null;
	createdAt: Date;
	version: number;
	lastMessageSeq: number;
	lastMessageAt: Date | null;
	_count: { members: number };
};

/** Channel lists as one user sees them: names of direct messages, roles, read cursors, unread counts. */
export class ChannelSummaries {
	readonly #db: Db;

	constructor(db: Db) {
		this.#db = db;
	}

	/** Every channel and direct message the user belongs to, newest activity first. */
	async mine(user: PublicUser): Promise<ChannelSummary[]> {
		const memberships = await this.#db.channelMember.findMany({
			where: { userId: user.id, removedAt: null },
			select: { role: true, lastReadSeq: true, channel: { select: channelSelect } }
		});
		const ids = memberships.map((m) => m.channel.id);
		const [unread, others] = await Promise.all([
			this.#unreadCounts(user.id),
			this.#dmOthers(ids, user.id)
		]);
		return memberships
			.map((m) =>
				this.#toSummary(m.channel, {
					role: m.role as MemberRole,
					lastReadSeq: m.lastReadSeq,
					unread: unread.get(m.channel.id) ?? 0,
					others: others.get(m.channel.id) ?? []
				})
			)
			.sort((a, b) =>
				(b.lastMessageAt ?? b.createdAt).localeCompare(a.lastMessageAt ?? a.createdAt)
			);
	}

	/** Public channels, for browsing and joining. */
	async browse(user: PublicUser, query: string): Promise<ChannelSummary[]> {
		const rows = await this.#db.channel.findMany({
			where: {
				kind: 'public',
				archivedAt: null,
				...(query && { name: containsText(this.#db, query) })
			},
			select: {
				...channelSelect,
				members: { where: { userId: user.id, removedAt: null }, select: { role: true } }
			},
			orderBy: [{ name: 'asc' }, { id: 'asc' }],
			take: 200
		});
		return rows.map((row) =>
			this.#toSummary(row, {
				role: (row.members[0]?.role as MemberRole | undefined) ?? null,
				lastReadSeq: 0,
				unread: 0,
				others: []
			})
		);
	}

	/** One channel the user belongs to (or may see). */
	async one(channelId: string, user: PublicUser): Promise<ChannelSummary> {
		const all = await this.mine(user);
		const found = all.find((c) => c.id === channelId);
		if (found) return found;
		const row = await this.#db.channel.findUnique({
			where: { id: channelId },
			select: channelSelect
		});
		if (!row || (row.kind !== 'public' && user.role !== 'admin')) {
			throw new AppError('not_found', 'No such channel.');
		}
		return this.#toSummary(row, { role: null, lastReadSeq: 0, unread: 0, others: [] });
	}

	/** Top-level messages after each read cursor, not counting your own or deleted ones. */
	async #unreadCounts(userId: string): Promise<Map<string, number>> {
		const rows = await this.#db.$queryRaw<{ channelId: string; unread: bigint | number }[]>`
			SELECT m."channelId" AS "channelId", COUNT(*) AS "unread"
			FROM "ChannelMember" cm
			JOIN "Message" m ON m."channelId" = cm."channelId" AND m."seq" > cm."lastReadSeq"
			WHERE cm."userId" = ${userId} AND cm."removedAt" IS NULL
				AND m."parentId" IS NULL AND m."deletedAt" IS NULL AND m."authorId" <> ${userId}
			GROUP BY m."channelId"`;
		return new Map(rows.map((r) => [r.channelId, Number(r.unread)]));
	}

	async #dmOthers(channelIds: string[], userId: string): Promise<Map<string, UserRef[]>> {
		const rows = await this.#db.channelMember.findMany({
			where: { channelId: { in: channelIds }, channel: { kind: 'dm' }, userId: { not: userId } },
			select: { channelId: true, user: { select: userRefSelect } }
		});
		const map = new Map<string, UserRef[]>();
		for (const row of rows) map.set(row.channelId, [...(map.get(row.channelId) ?? []), row.user]);
		return map;
	}

	#toSummary(
		row: ChannelRow,
		me: { role: MemberRole | null; lastReadSeq: number; unread: number; others: UserRef[] }
	): ChannelSummary {
		return {
			id: row.id,
			kind: row.kind as ChannelKind,
			name: row.kind === 'dm' ? me.others.map((u) => u.displayName).join(', ') : (row.name ?? ''),
			description: row.description,
			archived: row.archivedAt !== null,
			createdAt: row.createdAt.toISOString(),
			version: row.version,
			lastMessageSeq: row.lastMessageSeq,
			lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
			memberCount: row._count.members,
			myRole: me.role,
			lastReadSeq: me.lastReadSeq,
			unreadCount: me.unread,
			others: me.others
		};
	}
}
