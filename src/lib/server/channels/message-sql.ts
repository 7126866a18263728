/**
 * The statements of the channel hot paths (send, edit, delete, react, catch-up), run on the seam
 * (db/adapter-sql.ts): each does in one round what Prisma spreads over several queries.
 */
import type { Sql } from '../db/adapter-sql.ts';
import { param, q, raw, type Q } from '../db/sql.ts';
import type { MemberDto, MessageDto } from '#lib/shared/channels.ts';
import { toMemberDto, toMessageDto, type MessageRow } from './dto.ts';

/** A message with its author, once per reaction (or once with null reaction columns). */
interface FlatMessageRow extends Omit<MessageRow, 'author' | 'reactions'> {
	authorId: string;
	authorName: string;
	authorColor: string;
	emoji: string | null;
	reactorId: string | null;
	reactedAt: Date | null;
}

const MESSAGE_COLUMNS = raw(`m.id, m."channelId", m.seq, m.version, m."clientId", m.body,
	m."parentId", m."replyCount", m."lastReplyAt", m."createdAt", m."editedAt", m."deletedAt",
	m."authorId", u."displayName" AS "authorName", u."avatarColor" AS "authorColor"`);

/**
 * Messages `m` matching `where`, as MessageDtos in `order`, with authors and reactions in one
 * statement (a row per reaction).
 */
export async function readMessages(
	sql: Sql,
	where: Q,
	order: Q = raw('m.seq')
): Promise<MessageDto[]> {
	const rows = await sql.all<FlatMessageRow>(
		q`SELECT ${MESSAGE_COLUMNS}, r.emoji, r."userId" AS "reactorId", r."createdAt" AS "reactedAt"
FROM "Message" m JOIN "User" u ON u.id = m."authorId"
LEFT JOIN "Reaction" r ON r."messageId" = m.id
WHERE ${where} ORDER BY ${order}`
	);
	const messages = new Map<string, MessageRow>();
	for (const row of rows) {
		let message = messages.get(row.id);
		if (!message) {
			message = {
				id: row.id,
				channelId: row.channelId,
				seq: row.seq,
				version: row.version,
				clientId: row.clientId,
				body: row.body,
				parentId: row.parentId,
				replyCount: row.replyCount,
				lastReplyAt: row.lastReplyAt,
				createdAt: row.createdAt,
				editedAt: row.editedAt,
				deletedAt: row.deletedAt,
				author: { id: row.authorId, displayName: row.authorName, avatarColor: row.authorColor },
				reactions: []
			};
			messages.set(row.id, message);
		}
		if (row.emoji !== null && row.reactorId !== null && row.reactedAt !== null) {
			message.reactions.push({ emoji: row.emoji, userId: row.reactorId, createdAt: row.reactedAt });
		}
	}
	return [...messages.values()].map(toMessageDto);
}

/** One message by id, as a MessageDto. */
export async function readMessage(sql: Sql, id: string): Promise<MessageDto | undefined> {
	return (await readMessages(sql, q`m.id = ${id}`))[0];
}

export interface SendTarget {
	version: number;
	kind: string;
	archivedAt: Date | null;
	/** The sender's role in the channel, null when they are not an active member. */
	role: string | null;
}

/**
 * The first statement of a send: bumps the channel's counter (locking its row until the
 * transaction ends) and, for a top-level message, moves the channel's newest message to it; returns
 * the new version with what the checks need. Archived is read from the locked row, so an archive
 * that committed meanwhile is seen.
 */
export function bumpForMessage(
	tx: Sql,
	input: { channelId: string; userId: string; topLevelAt: Date | null }
): Promise<SendTarget | undefined> {
	const newest = input.topLevelAt
		? q`, "lastMessageSeq" = version + 1, "lastMessageAt" = ${input.topLevelAt}`
		: raw('');
	return tx.get<SendTarget>(
		q`UPDATE "Channel" SET version = version + 1${newest} WHERE id = ${input.channelId}
RETURNING version, kind, "archivedAt", (SELECT m.role FROM "ChannelMember" m
	WHERE m."channelId" = "Channel".id AND m."userId" = ${input.userId} AND m."removedAt" IS NULL) AS role`
	);
}

/** A new top-level or reply message row. */
export interface NewMessage {
	id: string;
	channelId: string;
	authorId: string;
	clientId: string;
	body: string;
	parentId: string | null;
	createdAt: Date;
}

/**
 * PostgreSQL: a whole top-level send as one statement on its own (no BEGIN, no COMMIT), so the
 * channel's row and the usage rows every send moves are held for that one round trip. The parts of
 * a statement read one snapshot, taken before it waited for the channel's row, so each check reads
 * a row the statement has locked, which PostgreSQL re-reads at its newest once the lock is granted:
 * the channel (archived, and its counter) through FOR UPDATE, the membership through the read
 * cursor's UPDATE, which sees a removal that committed meanwhile. When a check fails nothing is
 * written: the counter moves only with a message. `counted` appends the rollups of the `posted`
 * CTE. Returns what the checks need, or nothing when there is no such channel.
 */
export function postTopLevel(
	sql: Sql,
	message: Omit<NewMessage, 'parentId'>,
	counted: (posted: string) => Q
): Promise<(SendTarget & { posted: boolean }) | undefined> {
	const { id, channelId, authorId, clientId, body, createdAt } = message;
	return sql.get(
		q`WITH channel AS (SELECT id, version + 1 AS version, kind, "archivedAt" FROM "Channel"
	WHERE id = ${channelId} FOR UPDATE),
reader AS (UPDATE "ChannelMember" cm SET "lastReadSeq" = channel.version FROM channel
	WHERE cm."channelId" = channel.id AND cm."userId" = ${authorId} AND cm."removedAt" IS NULL
		AND channel."archivedAt" IS NULL
	RETURNING cm.role),
bump AS (UPDATE "Channel" c SET version = channel.version, "lastMessageSeq" = channel.version,
	"lastMessageAt" = ${createdAt} FROM channel WHERE c.id = channel.id AND EXISTS (SELECT 1 FROM reader)
	RETURNING c.version),
posted AS (INSERT INTO "Message" (id, "channelId", seq, version, "authorId", "clientId", body, "createdAt")
	SELECT ${id}, ${channelId}, bump.version, bump.version, ${authorId}, ${clientId}, ${body}, ${createdAt}
	FROM bump RETURNING id),
${counted('posted')}
SELECT channel.version, channel.kind, channel."archivedAt",
	(SELECT m.role FROM "ChannelMember" m WHERE m."channelId" = channel.id AND m."userId" = ${authorId}
		AND m."removedAt" IS NULL) AS role,
	EXISTS (SELECT 1 FROM posted) AS posted
FROM channel`
	);
}

export function insertMessage(tx: Sql, row: NewMessage & { version: number }): Promise<number> {
	const version = param(row.version);
	return tx.run(
		q`INSERT INTO "Message" (id, "channelId", seq, version, "authorId", "clientId", body, "parentId", "createdAt")
VALUES (${row.id}, ${row.channelId}, ${version}, ${version}, ${row.authorId}, ${row.clientId}, ${row.body},
	${row.parentId}, ${row.createdAt})`
	);
}

/**
 * Your own message is read: the sender's cursor moves to it. Changes no row (0) when the sender is
 * no longer a member, which a send takes as its membership check (see memberRole).
 */
export function markOwnMessageRead(
	tx: Sql,
	input: { channelId: string; userId: string; seq: number }
): Promise<number> {
	return tx.run(
		q`UPDATE "ChannelMember" SET "lastReadSeq" = ${param(input.seq)}
WHERE "channelId" = ${input.channelId} AND "userId" = ${input.userId} AND "removedAt" IS NULL`
	);
}

/**
 * The user's role as an active member (null when not one), read after the channel's row is
 * locked. A role read before (with the message, or by bumpForMessage, whose statement began
 * before it waited for the row) may predate a removal or demotion that held the row and committed
 * meanwhile; on PostgreSQL a later statement of the transaction sees it.
 */
export async function memberRole(
	tx: Sql,
	input: { channelId: string; userId: string }
): Promise<string | null> {
	const row = await tx.get<{ role: string }>(
		q`SELECT role FROM "ChannelMember"
WHERE "channelId" = ${input.channelId} AND "userId" = ${input.userId} AND "removedAt" IS NULL`
	);
	return row?.role ?? null;
}

/** What a reply needs to know of the message it answers. */
export function threadRoot(
	sql: Sql,
	id: string
): Promise<{ channelId: string; parentId: string | null; deletedAt: Date | null } | undefined> {
	return sql.get(q`SELECT "channelId", "parentId", "deletedAt" FROM "Message" WHERE id = ${id}`);
}

/** Counts a reply into its (live) thread root; 0 when the root was deleted meanwhile. */
export function countReply(
	tx: Sql,
	input: { parentId: string; at: Date; version: number }
): Promise<number> {
	return tx.run(
		q`UPDATE "Message" SET "replyCount" = "replyCount" + 1, "lastReplyAt" = ${input.at},
	version = ${param(input.version)}
WHERE id = ${input.parentId} AND "deletedAt" IS NULL`
	);
}

/** A message to change, with its channel and the user's membership (null role: not a member). */
export interface ChangeTarget {
	channelId: string;
	authorId: string;
	parentId: string | null;
	deletedAt: Date | null;
	kind: string;
	archivedAt: Date | null;
	role: string | null;
}

export function changeTarget(
	sql: Sql,
	messageId: string,
	userId: string
): Promise<ChangeTarget | undefined> {
	return sql.get<ChangeTarget>(
		q`SELECT msg."channelId", msg."authorId", msg."parentId", msg."deletedAt", c.kind, c."archivedAt",
	m.role
FROM "Message" msg JOIN "Channel" c ON c.id = msg."channelId"
LEFT JOIN "ChannelMember" m ON m."channelId" = c.id AND m."userId" = ${userId} AND m."removedAt" IS NULL
WHERE msg.id = ${messageId}`
	);
}

/**
 * Changes a live message, stamped with `version`: 0 rows when it was deleted meanwhile. Run after
 * the counter row is locked, so a delete that committed before the lock is seen (and one cannot
 * commit after it).
 */
export function changeLiveMessage(
	tx: Sql,
	messageId: string,
	version: number,
	set: Q = raw('')
): Promise<number> {
	return tx.run(
		q`UPDATE "Message" SET version = ${param(version)}${set}
WHERE id = ${messageId} AND "deletedAt" IS NULL`
	);
}

/** Adds the user's reaction, or takes it away when it was there. */
export async function toggleReaction(
	tx: Sql,
	key: { messageId: string; userId: string; emoji: string }
): Promise<void> {
	const removed = await tx.run(
		q`DELETE FROM "Reaction"
WHERE "messageId" = ${key.messageId} AND "userId" = ${key.userId} AND emoji = ${key.emoji}`
	);
	if (removed) return;
	await tx.run(
		q`INSERT INTO "Reaction" ("messageId", "userId", emoji, "createdAt")
VALUES (${key.messageId}, ${key.userId}, ${key.emoji}, ${new Date()})`
	);
}

/**
 * A reply is gone from its thread: one reply fewer, and the last reply is now the newest one
 * still there (or none).
 */
export function uncountReply(
	tx: Sql,
	input: { parentId: string; version: number }
): Promise<number> {
	return tx.run(
		q`UPDATE "Message" SET "replyCount" = "replyCount" - 1, version = ${param(input.version)},
	"lastReplyAt" = (SELECT r."createdAt" FROM "Message" r
		WHERE r."parentId" = ${input.parentId} AND r."deletedAt" IS NULL ORDER BY r.seq DESC LIMIT 1)
WHERE id = ${input.parentId}`
	);
}

/** Memberships `cm` matching `where`, as MemberDtos. */
export async function readMembers(sql: Sql, where: Q): Promise<MemberDto[]> {
	const rows = await sql.all<{
		channelId: string;
		role: string;
		version: number;
		removedAt: Date | null;
		id: string;
		displayName: string;
		avatarColor: string;
	}>(
		q`SELECT cm."channelId", cm.role, cm.version, cm."removedAt", u.id, u."displayName", u."avatarColor"
FROM "ChannelMember" cm JOIN "User" u ON u.id = cm."userId" WHERE ${where}`
	);
	return rows.map(({ id, displayName, avatarColor, ...row }) =>
		toMemberDto({ ...row, user: { id, displayName, avatarColor } })
	);
}
