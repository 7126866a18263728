import { prismaTxSql } from '../db/prisma-sql.ts';
import { RateLimiterRes, type BurstyRateLimiter } from 'rate-limiter-flexible';
import { type Db, Prisma } from '../db/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import { MESSAGE_MAX_LENGTH, type MessageDto } from '#lib/shared/channels.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { bumpVersionWritable, loadAccess, requireMember, requireWritable } from './access.ts';
import { messageInclude, toMessageDto } from './dto.ts';
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

/**
 * Messages, thread replies, edits, deletions and reactions. Every change runs in one transaction
 * that bumps the channel's version and stamps the changed rows with it, then the change is emitted
 * to the channel's room exactly as a catch-up would return it.
 */
export class MessageService {
	readonly #db: Db;
	readonly #bus: RealtimeBus;
	readonly #sendLimiter: BurstyRateLimiter;
	readonly #rollups: UsageRollups;

	constructor(db: Db, bus: RealtimeBus, sendLimiter: BurstyRateLimiter, rollups: UsageRollups) {
		this.#db = db;
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
		const existing = await this.#findByClientId(user.id, input.clientId);
		if (existing) return existing;
		const body = normalizeBody(input.body);
		try {
			await this.#sendLimiter.consume(user.id);
		} catch (error) {
			const ms = error instanceof RateLimiterRes ? error.msBeforeNext : 1000;
			throw new AppError('rate_limited', 'You are sending messages too fast. Wait a moment.', {
				retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000))
			});
		}
		let result: { message: MessageDto; parent: MessageDto | null; version: number };
		try {
			result = await this.#db.$transaction(async (tx) => {
				const access = await loadAccess(tx, input.channelId, user);
				requireMember(access);
				requireWritable(access);
				const parentId = input.parentId ?? null;
				if (parentId) await this.#checkThreadRoot(tx, parentId, input.channelId, user);
				const version = await bumpVersionWritable(tx, input.channelId);
				const now = new Date();
				const created = await tx.message.create({
					data: {
						channelId: input.channelId,
						seq: version,
						version,
						authorId: user.id,
						clientId: input.clientId,
						body,
						parentId,
						createdAt: now
					}
				});
				// The usage dashboard's rollups move in the same transaction as the message.
				await this.#rollups.messagePosted(prismaTxSql(tx, this.#rollups.dialect), created.id);
				let parent: MessageDto | null = null;
				if (parentId) {
					parent = toMessageDto(
						await tx.message.update({
							where: { id: parentId },
							data: { replyCount: { increment: 1 }, lastReplyAt: now, version },
							include: messageInclude
						})
					);
				} else {
					await tx.channel.update({
						where: { id: input.channelId },
						data: { lastMessageSeq: version, lastMessageAt: now },
						select: { id: true }
					});
					// Your own message is read.
					await tx.channelMember.update({
						where: { channelId_userId: { channelId: input.channelId, userId: user.id } },
						data: { lastReadSeq: version },
						select: { channelId: true }
					});
				}
				// A new message has no reactions yet and its author is `user`, loaded for this request:
				// no need to read the row back with its author and reactions (three more queries).
				const author = {
					id: user.id,
					displayName: user.displayName,
					avatarColor: user.avatarColor
				};
				const message = toMessageDto({ ...created, author, reactions: [] });
				return { message, parent, version };
			});
		} catch (error) {
			// Two sends with one client id raced: the loser returns the winner's message.
			if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
				const winner = await this.#findByClientId(user.id, input.clientId);
				if (winner) return winner;
			}
			throw error;
		}
		const { message, parent, version } = result;
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

	/** Changes the text of your own message; it shows as edited. */
	async edit(user: PublicUser, input: { messageId: string; body: string }): Promise<MessageDto> {
		const body = normalizeBody(input.body);
		const { message, version } = await this.#db.$transaction(async (tx) => {
			const { row, version } = await this.#loadForChange(tx, input.messageId, user);
			if (row.authorId !== user.id) {
				throw new AppError('forbidden', 'You can only edit your own messages.');
			}
			const updated = await tx.message.update({
				where: { id: row.id },
				data: { body, editedAt: new Date(), version },
				include: messageInclude
			});
			return { message: toMessageDto(updated), version };
		});
		this.#emit(message.channelId, version, [message]);
		return message;
	}

	/** Deletes a message (its author, the channel owner or an admin); a tombstone remains. */
	async delete(user: PublicUser, input: { messageId: string }): Promise<MessageDto> {
		const { changed, version } = await this.#db.$transaction(async (tx) => {
			// Admins moderate every channel, whether or not they belong to it.
			const { row, access, version } = await this.#loadForChange(tx, input.messageId, user, true);
			const allowed =
				row.authorId === user.id || user.role === 'admin' || access.member?.role === 'owner';
			if (!allowed) {
				throw new AppError(
					'forbidden',
					'Only the author, the channel owner or an admin can delete this.'
				);
			}
			await tx.reaction.deleteMany({ where: { messageId: row.id } });
			const deleted = await tx.message.update({
				where: { id: row.id },
				data: { body: '', deletedAt: new Date(), version },
				include: messageInclude
			});
			const changed = [toMessageDto(deleted)];
			if (row.parentId) {
				// The thread's last reply is now the newest one still there (or none).
				const newest = await tx.message.findFirst({
					where: { parentId: row.parentId, deletedAt: null },
					orderBy: { seq: 'desc' },
					select: { createdAt: true }
				});
				const parent = await tx.message.update({
					where: { id: row.parentId },
					data: {
						replyCount: { decrement: 1 },
						lastReplyAt: newest?.createdAt ?? null,
						version
					},
					include: messageInclude
				});
				changed.push(toMessageDto(parent));
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
		const { message, version } = await this.#db.$transaction(async (tx) => {
			const { row, version } = await this.#loadForChange(tx, input.messageId, user);
			const key = { messageId: row.id, userId: user.id, emoji: input.emoji };
			const { count } = await tx.reaction.deleteMany({ where: key });
			if (count === 0) await tx.reaction.create({ data: key });
			const updated = await tx.message.update({
				where: { id: row.id },
				data: { version },
				include: messageInclude
			});
			return { message: toMessageDto(updated), version };
		});
		this.#emit(message.channelId, version, [message]);
		return message;
	}

	async #findByClientId(authorId: string, clientId: string): Promise<MessageDto | null> {
		const row = await this.#db.message.findUnique({
			where: { authorId_clientId: { authorId, clientId } },
			include: messageInclude
		});
		return row ? toMessageDto(row) : null;
	}

	/**
	 * A live message in a channel the user may write to: as a member, or as an admin when
	 * `moderating`; with the channel's next version, whose counter row stays locked until the
	 * transaction ends. The message is read again under that lock: on PostgreSQL transactions
	 * overlap, and a delete that committed after the first read (but before the lock) would
	 * otherwise be edited, reacted to or deleted a second time (counting its thread down twice).
	 */
	async #loadForChange(
		tx: Prisma.TransactionClient,
		messageId: string,
		user: PublicUser,
		moderating = false
	) {
		const row = await tx.message.findUnique({ where: { id: messageId } });
		if (!row) throw new AppError('not_found', 'No such message.');
		const access = await loadAccess(tx, row.channelId, user).catch(() => {
			throw new AppError('not_found', 'No such message.');
		});
		if (!(moderating && user.role === 'admin')) requireMember(access);
		requireWritable(access);
		if (row.deletedAt) throw new AppError('message_deleted', 'This message was deleted.');
		const version = await bumpVersionWritable(tx, row.channelId);
		const current = await tx.message.findUniqueOrThrow({ where: { id: messageId } });
		if (current.deletedAt) throw new AppError('message_deleted', 'This message was deleted.');
		return { row: current, access, version };
	}

	async #checkThreadRoot(
		tx: Prisma.TransactionClient,
		parentId: string,
		channelId: string,
		user: PublicUser
	) {
		const parent = await tx.message.findUnique({
			where: { id: parentId },
			select: { channelId: true, parentId: true, deletedAt: true }
		});
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
