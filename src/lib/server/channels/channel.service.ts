import type { SqlDb } from '../db/adapter-sql.ts';
import type { Db, Prisma } from '../db/client.ts';
import { prismaTxSql } from '../db/prisma-sql.ts';
import { q } from '../db/sql.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import { DM_MAX_MEMBERS, type ChannelSummary, type MemberDto } from '#lib/shared/channels.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import {
	bumpVersion,
	loadAccess,
	requireManager,
	requireMember,
	requireWritable
} from './access.ts';
import { memberInclude, toMemberDto } from './dto.ts';
import { ChannelSummaries } from './summaries.ts';

type Tx = Prisma.TransactionClient;

/** Creating channels and direct messages, membership, and the owner's settings. */
export class ChannelService {
	readonly #db: Db;
	readonly #sql: SqlDb;
	readonly #bus: RealtimeBus;
	readonly summaries: ChannelSummaries;

	constructor(db: Db, sql: SqlDb, bus: RealtimeBus) {
		this.#db = db;
		this.#sql = sql;
		this.#bus = bus;
		this.summaries = new ChannelSummaries(db);
	}

	/** Creates a public or private channel owned by `user`, with the given members. */
	async create(
		user: PublicUser,
		input: { kind: 'public' | 'private'; name: string; description: string; memberIds: string[] }
	): Promise<ChannelSummary> {
		const others = await this.#activeUsers(input.memberIds.filter((id) => id !== user.id));
		const channel = await this.#db.$transaction(async (tx) => {
			const created = await tx.channel.create({
				data: {
					kind: input.kind,
					name: input.name,
					description: input.description,
					createdById: user.id,
					version: 1,
					metaVersion: 1
				}
			});
			await tx.channelMember.createMany({
				data: [
					{ channelId: created.id, userId: user.id, role: 'owner', version: 1 },
					...others.map((userId) => ({ channelId: created.id, userId, version: 1 }))
				]
			});
			return created;
		});
		this.#announceJoined(channel.id, [user.id, ...others]);
		return this.summaries.one(channel.id, user);
	}

	/** Opens the direct message between `user` and `userIds`, creating it the first time. */
	async openDm(user: PublicUser, userIds: string[]): Promise<ChannelSummary> {
		const others = await this.#activeUsers(userIds.filter((id) => id !== user.id));
		if (others.length === 0) throw new AppError('validation', 'Pick at least one other person.');
		const everyone = [user.id, ...others].sort();
		if (everyone.length > DM_MAX_MEMBERS) {
			throw new AppError('validation', `A direct message has at most ${DM_MAX_MEMBERS} people.`);
		}
		const dmKey = everyone.join(':');
		const existing = await this.#db.channel.findUnique({ where: { dmKey }, select: { id: true } });
		if (existing) return this.summaries.one(existing.id, user);
		let channelId: string;
		try {
			channelId = await this.#db.$transaction(async (tx) => {
				const created = await tx.channel.create({
					data: { kind: 'dm', dmKey, createdById: user.id, version: 1, metaVersion: 1 }
				});
				await tx.channelMember.createMany({
					data: everyone.map((userId) => ({ channelId: created.id, userId, version: 1 }))
				});
				return created.id;
			});
		} catch {
			// Opened by someone else at the same moment.
			const raced = await this.#db.channel.findUnique({ where: { dmKey }, select: { id: true } });
			if (!raced) throw new AppError('conflict', 'Could not open the conversation. Try again.');
			return this.summaries.one(raced.id, user);
		}
		this.#announceJoined(channelId, everyone);
		return this.summaries.one(channelId, user);
	}

	/** Renames, describes, archives or unarchives a channel (owner or admin). */
	async update(
		user: PublicUser,
		input: { channelId: string; name?: string; description?: string; archived?: boolean }
	): Promise<ChannelSummary> {
		const version = await this.#db.$transaction(async (tx) => {
			const access = await loadAccess(this.#tx(tx), input.channelId, user);
			requireManager(access, user);
			if (
				access.channel.kind === 'dm' &&
				(input.name !== undefined || input.description !== undefined)
			) {
				throw new AppError('validation', 'Direct messages have no name or description.');
			}
			if (access.channel.archivedAt && input.archived !== false) requireWritable(access);
			const version = await bumpVersion(this.#tx(tx), input.channelId);
			await tx.channel.update({
				where: { id: input.channelId },
				data: {
					name: input.name,
					description: input.description,
					archivedAt: input.archived === undefined ? undefined : input.archived ? new Date() : null,
					metaVersion: version
				}
			});
			return version;
		});
		const channel = await this.#db.channel.findUniqueOrThrow({ where: { id: input.channelId } });
		this.#bus.emit(rooms.channel(input.channelId), 'channel:change', {
			channelId: input.channelId,
			version,
			messages: [],
			members: [],
			channel: {
				name: channel.name ?? '',
				description: channel.description,
				archived: channel.archivedAt !== null,
				version
			}
		});
		return this.summaries.one(input.channelId, user);
	}

	/** Joins a public channel. */
	async join(user: PublicUser, channelId: string): Promise<ChannelSummary> {
		const access = await loadAccess(this.#sql, channelId, user);
		if (access.member) return this.summaries.one(channelId, user);
		if (access.channel.kind !== 'public') {
			throw new AppError('forbidden', 'Ask a member to add you to this channel.');
		}
		requireWritable(access);
		await this.#addMembers(channelId, [user.id]);
		return this.summaries.one(channelId, user);
	}

	/** Adds people to a channel (any member; not direct messages). */
	async addMembers(user: PublicUser, channelId: string, userIds: string[]): Promise<MemberDto[]> {
		const access = await loadAccess(this.#sql, channelId, user);
		if (user.role !== 'admin') requireMember(access);
		requireWritable(access);
		if (access.channel.kind === 'dm') {
			throw new AppError('validation', 'Start a new direct message to include more people.');
		}
		return this.#addMembers(channelId, await this.#activeUsers(userIds));
	}

	/**
	 * Removes someone (owner or admin), or leaves when `userId` is yourself. A channel never keeps
	 * members without an owner: when its last owner goes, the longest-standing member becomes owner
	 * in the same change.
	 */
	async removeMember(user: PublicUser, channelId: string, userId: string): Promise<void> {
		const access = await loadAccess(this.#sql, channelId, user);
		if (userId === user.id) requireMember(access);
		else requireManager(access, user);
		if (access.channel.kind === 'dm') {
			throw new AppError('validation', 'You cannot leave a direct message.');
		}
		const { version, members } = await this.#db.$transaction(async (tx) => {
			const row = await tx.channelMember.findUnique({
				where: { channelId_userId: { channelId, userId } }
			});
			if (!row || row.removedAt) throw new AppError('not_found', 'That person is not a member.');
			const version = await bumpVersion(this.#tx(tx), channelId);
			const member = await tx.channelMember.update({
				where: { channelId_userId: { channelId, userId } },
				data: { removedAt: new Date(), version },
				include: memberInclude
			});
			const successor = await ensureOwner(tx, channelId, version);
			return { version, members: [toMemberDto(member), ...(successor ? [successor] : [])] };
		});
		this.#bus.emit(rooms.channel(channelId), 'channel:change', {
			channelId,
			version,
			messages: [],
			members
		});
		this.#bus.setMembership(rooms.user(userId), rooms.channel(channelId), false);
		this.#bus.emit(rooms.user(userId), 'channel:removed', { channelId });
	}

	/** The current members of a channel the user may see. */
	async members(user: PublicUser, channelId: string): Promise<MemberDto[]> {
		const access = await loadAccess(this.#sql, channelId, user);
		if (user.role !== 'admin' && access.channel.kind !== 'public') requireMember(access);
		const rows = await this.#db.channelMember.findMany({
			where: { channelId, removedAt: null },
			include: memberInclude,
			orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }]
		});
		return rows.map(toMemberDto);
	}

	async #addMembers(channelId: string, userIds: string[]): Promise<MemberDto[]> {
		if (userIds.length === 0) return [];
		const { version, members } = await this.#db.$transaction(async (tx: Tx) => {
			const version = await bumpVersion(this.#tx(tx), channelId);
			// What was said before you joined is history, not unread news.
			const { lastMessageSeq: lastReadSeq } = await tx.channel.findUniqueOrThrow({
				where: { id: channelId },
				select: { lastMessageSeq: true }
			});
			const members = new Map<string, MemberDto>();
			for (const userId of userIds) {
				const row = await tx.channelMember.upsert({
					where: { channelId_userId: { channelId, userId } },
					create: { channelId, userId, version, lastReadSeq },
					// Someone who left gave up their role: they come back as a member.
					update: { removedAt: null, role: 'member', version, joinedAt: new Date(), lastReadSeq },
					include: memberInclude
				});
				members.set(userId, toMemberDto(row));
			}
			// Joining a channel everyone had left: the first to come back owns it.
			const owner = await ensureOwner(tx, channelId, version);
			if (owner) members.set(owner.user.id, owner);
			return { version, members: [...members.values()] };
		});
		this.#bus.emit(rooms.channel(channelId), 'channel:change', {
			channelId,
			version,
			messages: [],
			members
		});
		this.#announceJoined(channelId, userIds);
		return members;
	}

	/** The seam's statements inside one of this service's Prisma transactions. */
	#tx(tx: Tx) {
		return prismaTxSql(tx, this.#sql.dialect);
	}

	/** Puts new members' sockets in the channel's room and tells their tabs about it. */
	#announceJoined(channelId: string, userIds: string[]): void {
		for (const userId of userIds) {
			this.#bus.setMembership(rooms.user(userId), rooms.channel(channelId), true);
			this.#bus.emit(rooms.user(userId), 'channel:joined', { channelId });
		}
	}

	/** The channels a user is a member of now: the rooms their new socket joins. */
	/** On every socket handshake (a reconnect storm after a restart): a prepared seam statement. */
	async channelIdsOf(userId: string): Promise<string[]> {
		const rows = await this.#sql.all<{ channelId: string }>(
			q`SELECT "channelId" FROM "ChannelMember" WHERE "userId" = ${userId} AND "removedAt" IS NULL`
		);
		return rows.map((row) => row.channelId);
	}

	async #activeUsers(ids: string[]): Promise<string[]> {
		if (ids.length === 0) return [];
		const rows = await this.#db.user.findMany({
			where: { id: { in: [...new Set(ids)] }, status: 'active' },
			select: { id: true }
		});
		if (rows.length !== new Set(ids).size) {
			throw new AppError('not_found', 'Some of those people do not exist.');
		}
		return rows.map((r) => r.id);
	}
}

/**
 * Makes the longest-standing member owner when the channel has members but no owner (its last
 * owner left or was removed), stamped with this change's `version`. Null when it has an owner, or
 * nobody left (the next to join becomes owner). Direct messages have no owners.
 */
async function ensureOwner(tx: Tx, channelId: string, version: number): Promise<MemberDto | null> {
	const channel = await tx.channel.findUniqueOrThrow({
		where: { id: channelId },
		select: { kind: true }
	});
	if (channel.kind === 'dm') return null;
	const active = { channelId, removedAt: null };
	if (await tx.channelMember.count({ where: { ...active, role: 'owner' } })) return null;
	const successor = await tx.channelMember.findFirst({
		where: active,
		orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }],
		select: { userId: true }
	});
	if (!successor) return null;
	const row = await tx.channelMember.update({
		where: { channelId_userId: { channelId, userId: successor.userId } },
		data: { role: 'owner', version },
		include: memberInclude
	});
	return toMemberDto(row);
}
