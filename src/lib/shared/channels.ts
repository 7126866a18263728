/** Channel data as it crosses the wire. Dates are ISO strings. */

export type ChannelKind = 'public' | 'private' | 'dm';
export type MemberRole = 'owner' | 'member';
export type PresenceStatus = 'online' | 'away' | 'offline';

export interface UserRef {
	id: string;
	displayName: string;
	avatarColor: string;
}

export interface ReactionSummary {
	emoji: string;
	count: number;
	/** Who reacted, oldest first. */
	userIds: string[];
}

export interface MessageDto {
	id: string;
	channelId: string;
	/** Per-channel creation order. */
	seq: number;
	/** Channel version of this row's last change; a newer version replaces an older one. */
	version: number;
	clientId: string;
	author: UserRef;
	/** Markdown source; empty once deleted. */
	body: string;
	parentId: string | null;
	replyCount: number;
	lastReplyAt: string | null;
	createdAt: string;
	editedAt: string | null;
	deletedAt: string | null;
	reactions: ReactionSummary[];
}

export interface MemberDto {
	channelId: string;
	user: UserRef;
	role: MemberRole;
	/** Channel version of this row's last change. */
	version: number;
	/** True once the person left or was removed. */
	removed: boolean;
}

/** A channel as one member sees it in their list. */
export interface ChannelSummary {
	id: string;
	kind: ChannelKind;
	/** For direct messages, the other members' names. */
	name: string;
	description: string;
	archived: boolean;
	createdAt: string;
	version: number;
	lastMessageSeq: number;
	lastMessageAt: string | null;
	memberCount: number;
	myRole: MemberRole | null;
	lastReadSeq: number;
	unreadCount: number;
	/** Direct messages: the other members. */
	others: UserRef[];
}

/**
 * Everything in one channel that changed after a cursor: the live `channel:change` event carries
 * one version's rows, a catch-up carries every row changed since the client's cursor. Either way the
 * client applies rows whose `version` is newer than its copy, so applying twice changes nothing.
 */
export interface ChannelChanges {
	channelId: string;
	/** The channel's version after these changes: the client's new cursor. */
	version: number;
	messages: MessageDto[];
	members: MemberDto[];
	/** Present when the name, description or archive state changed. */
	channel?: { name: string; description: string; archived: boolean; version: number };
	/** Catch-up only: too much changed; reload history instead of applying rows. */
	truncated?: boolean;
}

export interface HistoryPage {
	channelId: string;
	messages: MessageDto[];
	hasMoreBefore: boolean;
	hasMoreAfter: boolean;
	/** The channel's version when the page was read: the cursor to catch up from. */
	version: number;
}

export const MESSAGE_MAX_LENGTH = 16_000;
export const DM_MAX_MEMBERS = 8;
