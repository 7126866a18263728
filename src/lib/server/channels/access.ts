import type { Prisma } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { PublicUser } from '#lib/shared/types.ts';

type Tx = Prisma.TransactionClient;

export interface ChannelAccess {
	channel: { id: string; kind: string; archivedAt: Date | null; version: number };
	/** The user's active membership, or null. */
	member: { role: string; lastReadSeq: number } | null;
}

const NOT_FOUND = 'No such channel.';

/**
 * Loads a channel with the user's membership. Private channels and direct messages are reported as
 * not found to non-members, so their existence never leaks.
 */
export async function loadAccess(
	tx: Tx,
	channelId: string,
	user: PublicUser
): Promise<ChannelAccess> {
	const channel = await tx.channel.findUnique({
		where: { id: channelId },
		select: { id: true, kind: true, archivedAt: true, version: true }
	});
	if (!channel) throw new AppError('not_found', NOT_FOUND);
	const row = await tx.channelMember.findUnique({
		where: { channelId_userId: { channelId, userId: user.id } },
		select: { role: true, lastReadSeq: true, removedAt: true }
	});
	const member = row && !row.removedAt ? { role: row.role, lastReadSeq: row.lastReadSeq } : null;
	if (!member && channel.kind !== 'public' && user.role !== 'admin') {
		throw new AppError('not_found', NOT_FOUND);
	}
	return { channel, member };
}

/** Reading messages, reacting, sending and typing need an active membership. */
export function requireMember(access: ChannelAccess): NonNullable<ChannelAccess['member']> {
	if (access.member) return access.member;
	if (access.channel.kind === 'public') {
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

function refuseArchived(archivedAt: Date | null): void {
	if (archivedAt) throw new AppError('channel_archived', 'This channel is archived and read-only.');
}

/**
 * Bumps the channel's change counter inside the caller's transaction (an UPDATE … RETURNING, which
 * also serialises concurrent writers of one channel) and returns the new version.
 */
export async function bumpVersion(tx: Tx, channelId: string): Promise<number> {
	const { version } = await tx.channel.update({
		where: { id: channelId },
		data: { version: { increment: 1 } },
		select: { version: true }
	});
	return version;
}

/**
 * bumpVersion for a write into the channel (a message, an edit, a reaction): once the counter row
 * is locked, the channel is checked again for being archived, because on PostgreSQL an archive can
 * commit between the caller's first check and the lock.
 */
export async function bumpVersionWritable(tx: Tx, channelId: string): Promise<number> {
	const { version, archivedAt } = await tx.channel.update({
		where: { id: channelId },
		data: { version: { increment: 1 } },
		select: { version: true, archivedAt: true }
	});
	refuseArchived(archivedAt);
	return version;
}
