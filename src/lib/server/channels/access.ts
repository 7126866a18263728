import type { Sql } from '../db/adapter-sql.ts';
import { q } from '../db/sql.ts';
import { AppError } from '../errors.ts';
import type { PublicUser } from '#lib/shared/types.ts';

export interface ChannelAccess {
	channel: {
		id: string;
		kind: string;
		name: string | null;
		description: string;
		archivedAt: Date | null;
		version: number;
		metaVersion: number;
		lastMessageSeq: number;
	};
	/** The user's active membership, or null. */
	member: { role: string; lastReadSeq: number } | null;
}

type AccessRow = ChannelAccess['channel'] & { role: string | null; lastReadSeq: number | null };

const NOT_FOUND = 'No such channel.';

/**
 * Loads a channel with the user's membership, in one statement. Private channels and direct
 * messages are reported as not found to non-members, so their existence never leaks.
 */
export async function loadAccess(
	sql: Sql,
	channelId: string,
	user: PublicUser
): Promise<ChannelAccess> {
	const row = await sql.get<AccessRow>(
		q`SELECT c.id, c.kind, c.name, c.description, c."archivedAt", c.version, c."metaVersion",
	c."lastMessageSeq", m.role, m."lastReadSeq"
FROM "Channel" c LEFT JOIN "ChannelMember" m
	ON m."channelId" = c.id AND m."userId" = ${user.id} AND m."removedAt" IS NULL
WHERE c.id = ${channelId}`
	);
	if (!row) throw new AppError('not_found', NOT_FOUND);
	const { role, lastReadSeq, ...channel } = row;
	const member = role === null ? null : { role, lastReadSeq: lastReadSeq ?? 0 };
	if (!member && channel.kind !== 'public' && user.role !== 'admin') {
		throw new AppError('not_found', NOT_FOUND);
	}
	return { channel, member };
}

/** Reading messages, reacting, sending and typing need an active membership. */
export function requireMember(access: ChannelAccess): NonNullable<ChannelAccess['member']> {
	if (access.member) return access.member;
	refuseNonMember(access.channel.kind);
}

/** A non-member of a public channel is told to join; any other channel does not exist for them. */
export function refuseNonMember(kind: string): never {
	if (kind === 'public') {
		throw new AppError('forbidden', 'Join this channel to read and post in it.');
	}
	throw new AppError('not_found', NOT_FOUND);
}

/** Renaming, archiving and removing others need the channel's owner or an admin. */
export function requireManager(access: ChannelAccess, user: PublicUser): void {
	if (user.role === 'admin' || access.member?.role === 'owner') return;
	throw new AppError('forbidden', 'Only the channel owner or an admin can do this.');
}

export function requireWritable(access: ChannelAccess): void {
	refuseArchived(access.channel.archivedAt);
}

export function refuseArchived(archivedAt: Date | null): void {
	if (archivedAt) throw new AppError('channel_archived', 'This channel is archived and read-only.');
}

/**
 * Bumps the channel's change counter inside the caller's transaction (an UPDATE … RETURNING, which
 * also serialises concurrent writers of one channel) and returns the new version.
 */
export async function bumpVersion(tx: Sql, channelId: string): Promise<number> {
	return (await bump(tx, channelId)).version;
}

/**
 * bumpVersion for a write into the channel (a message, an edit, a reaction): once the counter row
 * is locked, the channel is checked again for being archived, because on PostgreSQL an archive can
 * commit between the caller's first check and the lock.
 */
export async function bumpVersionWritable(tx: Sql, channelId: string): Promise<number> {
	const { version, archivedAt } = await bump(tx, channelId);
	refuseArchived(archivedAt);
	return version;
}

async function bump(tx: Sql, channelId: string) {
	const row = await tx.get<{ version: number; archivedAt: Date | null }>(
		q`UPDATE "Channel" SET version = version + 1 WHERE id = ${channelId}
RETURNING version, "archivedAt"`
	);
	if (!row) throw new AppError('not_found', NOT_FOUND);
	return row;
}
