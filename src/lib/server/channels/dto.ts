import type {
	MemberDto,
	MemberRole,
	MessageDto,
	ReactionSummary,
	UserRef
} from '#lib/shared/channels.ts';

export const userRefSelect = { id: true, displayName: true, avatarColor: true } as const;

/** A message as read for its DTO; reactions in any order (`toMessageDto` puts them oldest first). */
export interface MessageRow {
	id: string;
	channelId: string;
	seq: number;
	version: number;
	clientId: string;
	body: string;
	parentId: string | null;
	replyCount: number;
	lastReplyAt: Date | null;
	createdAt: Date;
	editedAt: Date | null;
	deletedAt: Date | null;
	author: UserRef;
	reactions: { emoji: string; userId: string; createdAt: Date }[];
}

function iso(date: Date | null): string | null {
	return date ? date.toISOString() : null;
}

/** Groups reactions by emoji, emojis and people in the order they first reacted. */
function summarize(reactions: MessageRow['reactions']): ReactionSummary[] {
	const oldestFirst = reactions.toSorted((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
	const byEmoji = new Map<string, string[]>();
	for (const { emoji, userId } of oldestFirst) {
		byEmoji.set(emoji, [...(byEmoji.get(emoji) ?? []), userId]);
	}
	return [...byEmoji].map(([emoji, userIds]) => ({ emoji, count: userIds.length, userIds }));
}

export function toMessageDto(row: MessageRow): MessageDto {
	const deleted = row.deletedAt !== null;
	return {
		id: row.id,
		channelId: row.channelId,
		seq: row.seq,
		version: row.version,
		clientId: row.clientId,
		author: row.author,
		body: deleted ? '' : row.body,
		parentId: row.parentId,
		replyCount: row.replyCount,
		lastReplyAt: iso(row.lastReplyAt),
		createdAt: row.createdAt.toISOString(),
		editedAt: iso(row.editedAt),
		deletedAt: iso(row.deletedAt),
		reactions: deleted ? [] : summarize(row.reactions)
	};
}

export const memberInclude = { user: { select: userRefSelect } } as const;

export function toMemberDto(row: {
	channelId: string;
	role: string;
	version: number;
	removedAt: Date | null;
	user: UserRef;
}): MemberDto {
	return {
		channelId: row.channelId,
		user: row.user,
		role: row.role as MemberRole,
		version: row.version,
		removed: row.removedAt !== null
	};
}
