import { RateLimiterRes, type BurstyRateLimiter } from 'rate-limiter-flexible';
import type { Sql, SqlDb } from '../db/adapter-sql.ts';
import { isUniqueViolation } from '../db/conflict.ts';
import { q, type Q } from '../db/sql.ts';
import { uuidv7 } from '../db/uuid.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import { MESSAGE_MAX_LENGTH, type MessageDto } from '#lib/shared/channels.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { bumpVersionWritable, loadAccess, refuseArchived, refuseNonMember } from './access.ts';
import {
	bumpForMessage,
	changeLiveMessage,
	changeTarget,
	countReply,
	insertMessage,
	markOwnMessageRead,
	memberRole,
	postTopLevel,
	readMessage,
	threadRoot,
	toggleReaction,
	uncountReply,
	type ChangeTarget,
	type NewMessage
} from './message-sql.ts';
import type { UsageRollups } from '../usage/rollups.ts';

const EMOJI = /^\p{RGI_Emoji}$/v;

/** Trims blank lines around a message but keeps the first line's indentation (code blocks). */
function normalizeBody(body: string): string {
	const text = body.replace(/^(\s*\n)+/, '').trimEnd();
	if (!text.trim()) throw new AppError('empty_message', 'Write something before sending.');
	if (text.length > MESSAGE_MAX_LENGTH) {
		throw new AppError(
			'message_too_long',
			`Messages can be at most ${MESSAGE_MAX_LENGTH.toLocaleString('en')} characters (this one has ${text.length.toLocaleString('en')}).`
		);
	}
	return text;
}

/** Refuses someone who is not a member (admins moderating excepted), as the channel's kind says. */
function refuseOutsider(target: ChangeTarget, user: PublicUser, moderating: boolean): void {
	if (target.role !== null || (moderating && user.role === 'admin')) return;
	// A message in a private channel you are not in does not exist, as far as you can tell.
	if (target.kind !== 'public' && user.role !== 'admin') {
		throw new AppError('not_found', 'No such message.');
	}
	refuseNonMember(target.kind);
}

/**
 * Messages, thread replies, edits, deletions and reactions. Every change runs in one transaction
 * that bumps the channel's version and stamps the changed rows with it, then the change is emitted
 * to the channel's room exactly as a catch-up would return it. The statements run on the seam
 * (message-sql.ts): a send is a handful of statements, not the dozen Prisma queries it was.
 */
export class MessageService {
	readonly #sql: SqlDb;
	readonly #bus: RealtimeBus;
	readonly #sendLimiter: BurstyRateLimiter;
	readonly #rollups: UsageRollups;

	constructor(sql: SqlDb, bus: RealtimeBus, sendLimiter: BurstyRateLimiter, rollups: UsageRollups) {
		this.#sql = sql;
		this.#bus = bus;
		this.#sendLimiter = sendLimiter;
		this.#rollups = rollups;
	}

	/**
	 * Posts a message or thread reply. Idempotent by `clientId`: a retried send returns the
	 * message the first attempt created.
	 */
	async send(
		user: PublicUser,
		input: { channelId: string; clientId: string; body: string; parentId?: string | null }
	): Promise<MessageDto> {
		try {
			return await this.#send(user, input);
		} catch (error) {
			// Most sends are new, so the first attempt's message is looked for only when this one fails:
			// on its client id (a retry, or two at once) or on a check that the first one passed.
			if (isUniqueViolation(error) || error instanceof AppError) {
				const first = await this.#findByClientId(user.id, input.clientId);
				if (first) return first;
			}
			throw error;
		}
	}

	async #send(
		user: PublicUser,
		input: { channelId: string; clientId: string; body: string; parentId?: string | null }
	): Promise<MessageDto> {
		const body = normalizeBody(input.body);
		try {
			await this.#sendLimiter.consume(user.id);
		} catch (error) {
			const ms = error instanceof RateLimiterRes ? error.msBeforeNext : 1000;
			throw new AppError('rate_limited', 'You are sending messages too fast. Wait a moment.', {
				retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000))
			});
		}
		const now = new Date();
		const row: NewMessage = {
			id: uuidv7(now.getTime()),
			channelId: input.channelId,
			authorId: user.id,
			clientId: input.clientId,
			body,
			parentId: input.parentId ?? null,
			createdAt: now
		};
		const { version, parent } =
			row.parentId === null && this.#sql.dialect === 'postgres'
				? { version: await this.#postInOneStatement(row), parent: null }
				: await this.#sql.transaction(async (tx) => {
						const version = await this.#post(tx, row, user);
						const parent = row.parentId ? ((await readMessage(tx, row.parentId)) ?? null) : null;
						return { version, parent };
					});
		// A new message has no reactions yet and its author is `user`, loaded for this request: no
		// need to read the row back.
		const message: MessageDto = {
			id: row.id,
			channelId: row.channelId,
			seq: version,
			version,
			clientId: row.clientId,
			author: { id: user.id, displayName: user.displayName, avatarColor: user.avatarColor },
			body,
			parentId: row.parentId,
			replyCount: 0,
			lastReplyAt: null,
			createdAt: now.toISOString(),
			editedAt: null,
			deletedAt: null,
			reactions: []
		};
		this.#emit(input.channelId, version, parent ? [message, parent] : [message]);
		// Posting moved the sender's read cursor; their other tabs and devices follow.
		if (!parent) {
			this.#bus.emit(rooms.user(user.id), 'channel:read', {
				channelId: input.channelId,
				lastReadSeq: version
			});
		}
		return message;
	}

	/**
	 * Writes a message, its thread's count and its rollups, statement by statement; returns its
	 * version.
	 */
	async #post(tx: Sql, row: NewMessage, user: PublicUser): Promise<number> {
		const { channelId, parentId, createdAt } = row;
		const userId = user.id;
		// The counter row is locked first and every check reads it or runs after it.
		const target = await bumpForMessage(tx, {
			channelId,
			userId,
			topLevelAt: parentId ? null : createdAt
		});
		if (!target) throw new AppError('not_found', 'No such channel.');
		if (target.role === null) refuseNonMember(target.kind);
		refuseArchived(target.archivedAt);
		const { version } = target;
		const member = { channelId, userId };
		// Checked again now that the row is held (the role above may predate a removal).
		const stillIn = parentId
			? (await memberRole(tx, member)) !== null
			: (await markOwnMessageRead(tx, { ...member, seq: version })) > 0;
		if (!stillIn) refuseNonMember(target.kind);
		if (parentId) await this.#checkThreadRoot(tx, parentId, channelId, user);
		await insertMessage(tx, { ...row, version });
		// The usage dashboard's rollups move in the same transaction as the message.
		await this.#rollups.messagePosted(tx, { userId, at: createdAt });
		if (parentId && !(await countReply(tx, { parentId, at: createdAt, version }))) {
			throw new AppError('message_deleted', 'This message was deleted.');
		}
		return version;
	}

	/** PostgreSQL, a top-level message: what #post does, as one statement (see postTopLevel). */
	async #postInOneStatement(row: NewMessage): Promise<number> {
		const fact = { userId: row.authorId, at: row.createdAt };
		const sent = await postTopLevel(this.#sql, row, (posted) =>
			this.#rollups.messagePostedCtes(fact, posted)
		);
		if (!sent) throw new AppError('not_found', 'No such channel.');
		if (sent.role === null) refuseNonMember(sent.kind);
		refuseArchived(sent.archivedAt);
		// The role read beside the checks may predate a removal that the locked check saw.
		if (!sent.posted) refuseNonMember(sent.kind);
		return sent.version;
	}

	/** Changes the text of your own message; it shows as edited. */
	async edit(user: PublicUser, input: { messageId: string; body: string }): Promise<MessageDto> {
		const body = normalizeBody(input.body);
		const { message, version } = await this.#sql.transaction(async (tx) => {
			const { version } = await this.#lockTarget(tx, input.messageId, user, (target) => {
				if (target.authorId !== user.id) {
					throw new AppError('forbidden', 'You can only edit your own messages.');
				}
			});
			await this.#changeLive(
				tx,
				input.messageId,
				version,
				q`, body = ${body}, "editedAt" = ${new Date()}`
			);
			return { message: await this.#read(tx, input.messageId), version };
		});
		this.#emit(message.channelId, version, [message]);
		return message;
	}

	/** Deletes a message (its author, the channel owner or an admin); a tombstone remains. */
	async delete(user: PublicUser, input: { messageId: string }): Promise<MessageDto> {
		const { changed, version } = await this.#sql.transaction(async (tx) => {
			// Admins moderate every channel, whether or not they belong to it.
			const moderating = true;
			const { target, version } = await this.#lockTarget(
				tx,
				input.messageId,
				user,
				(target) => {
					const allowed =
						target.authorId === user.id || user.role === 'admin' || target.role === 'owner';
					if (!allowed) {
						throw new AppError(
							'forbidden',
							'Only the author, the channel owner or an admin can delete this.'
						);
					}
				},
				moderating
			);
			await this.#changeLive(
				tx,
				input.messageId,
				version,
				q`, body = '', "deletedAt" = ${new Date()}`
			);
			await tx.run(q`DELETE FROM "Reaction" WHERE "messageId" = ${input.messageId}`);
			const changed = [await this.#read(tx, input.messageId)];
			if (target.parentId) {
				await uncountReply(tx, { parentId: target.parentId, version });
				changed.push(await this.#read(tx, target.parentId));
			}
			return { changed, version };
		});
		this.#emit(changed[0].channelId, version, changed);
		return changed[0];
	}

	/** Adds your reaction with this emoji, or removes it if you already reacted with it. */
	async react(user: PublicUser, input: { messageId: string; emoji: string }): Promise<MessageDto> {
		if (!EMOJI.test(input.emoji)) {
			throw new AppError('unknown_emoji', `"${input.emoji}" is not an emoji Parley knows.`);
		}
		const { message, version } = await this.#sql.transaction(async (tx) => {
			const { version } = await this.#lockTarget(tx, input.messageId, user, () => {});
			await this.#changeLive(tx, input.messageId, version);
			await toggleReaction(tx, { messageId: input.messageId, userId: user.id, emoji: input.emoji });
			return { message: await this.#read(tx, input.messageId), version };
		});
		this.#emit(message.channelId, version, [message]);
		return message;
	}

	/** The message a send with this client id created, if any. */
	async #findByClientId(authorId: string, clientId: string): Promise<MessageDto | undefined> {
		const row = await this.#sql.get<{ id: string }>(
			q`SELECT id FROM "Message" WHERE "authorId" = ${authorId} AND "clientId" = ${clientId}`
		);
		return row && readMessage(this.#sql, row.id);
	}

	async #read(sql: Sql, messageId: string): Promise<MessageDto> {
		const message = await readMessage(sql, messageId);
		if (!message) throw new Error(`message ${messageId} vanished inside its transaction`);
		return message;
	}

	/**
	 * A live message in a channel the user may write to: as a member, or as an admin when
	 * `moderating`. Read before the channel's counter row is locked; whether it is still live is
	 * checked again by the change itself (#changeLive), after the lock.
	 */
	async #changeTarget(tx: Sql, messageId: string, user: PublicUser, moderating = false) {
		const target = await changeTarget(tx, messageId, user.id);
		if (!target) throw new AppError('not_found', 'No such message.');
		refuseOutsider(target, user, moderating);
		refuseArchived(target.archivedAt);
		if (target.deletedAt) throw new AppError('message_deleted', 'This message was deleted.');
		return target;
	}

	/**
	 * The message to change, checked by #changeTarget and `check`, with the channel's counter row
	 * locked and the change's version. The user's role is read again once the row is held, and
	 * both checks run again on it: a removal or demotion that committed in between is seen.
	 */
	async #lockTarget(
		tx: Sql,
		messageId: string,
		user: PublicUser,
		check: (target: ChangeTarget) => void,
		moderating = false
	): Promise<{ target: ChangeTarget; version: number }> {
		const before = await this.#changeTarget(tx, messageId, user, moderating);
		check(before);
		const version = await bumpVersionWritable(tx, before.channelId);
		const role = await memberRole(tx, { channelId: before.channelId, userId: user.id });
		const target = { ...before, role };
		refuseOutsider(target, user, moderating);
		check(target);
		return { target, version };
	}

	/**
	 * Stamps a message with the change's version (and `set`), once the counter row is locked. On
	 * PostgreSQL transactions overlap, and a delete that committed after #changeTarget read the
	 * message (but before the lock) must not be edited, reacted to or deleted a second time
	 * (counting its thread down twice): the UPDATE only matches a live row.
	 */
	async #changeLive(tx: Sql, messageId: string, version: number, set?: Q): Promise<void> {
		if (!(await changeLiveMessage(tx, messageId, version, set))) {
			throw new AppError('message_deleted', 'This message was deleted.');
		}
	}

	async #checkThreadRoot(tx: Sql, parentId: string, channelId: string, user: PublicUser) {
		const parent = await threadRoot(tx, parentId);
		const notFound = new AppError('not_found', 'The message you reply to does not exist.');
		if (!parent) throw notFound;
		if (parent.channelId !== channelId) {
			// Only admit that the message exists if the sender may know its channel.
			await loadAccess(tx, parent.channelId, user).catch(() => {
				throw notFound;
			});
			throw new AppError('wrong_channel', 'You can only reply to a message in the same channel.');
		}
		if (parent.parentId) {
			throw new AppError(
				'nested_thread',
				'Reply in the thread of the original message, not to a reply.'
			);
		}
		if (parent.deletedAt) throw new AppError('message_deleted', 'This message was deleted.');
	}

	#emit(channelId: string, version: number, messages: MessageDto[]): void {
		this.#bus.emit(rooms.channel(channelId), 'channel:change', {
			channelId,
			version,
			messages,
			members: []
		});
	}
}
