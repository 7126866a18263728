import type { Db } from '../db/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import type { ChannelChanges, HistoryPage, MessageDto } from '#lib/shared/channels.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { loadAccess, requireMember } from './access.ts';
import { memberInclude, messageInclude, toMemberDto, toMessageDto } from './dto.ts';

/** Above this many changed rows a catch-up tells the client to reload instead. */
export const CATCH_UP_LIMIT = 20_000;

/** Reading a channel: history pages, threads, catch-up since a cursor, and read cursors. */
export class ChannelReader {
	readonly #db: Db;
	readonly #bus: RealtimeBus;

	constructor(db: Db, bus: RealtimeBus) {
		this.#db = db;
		this.#bus = bus;
	}

	/**
	 * A page of top-level messages: the newest, or those before/after a seq. The version is read
	 * first, so catching up from it can only repeat rows, never miss one.
	 */
	async history(
		user: PublicUser,
		input: { channelId: string; before?: number; after?: number; limit: number }
	): Promise<HistoryPage> {
		const access = await loadAccess(this.#db, input.channelId, user);
		requireMember(access);
		const { version } = access.channel;
		const newerFirst = input.after === undefined;
		const rows = await this.#db.message.findMany({
			where: {
				channelId: input.channelId,
				parentId: null,
				// No bound for the newest page: a "below anything" number would not fit PostgreSQL's
				// integer column.
				...(newerFirst
					? input.before !== undefined && { seq: { lt: input.before } }
					: { seq: { gt: input.after } })
			},
			orderBy: { seq: newerFirst ? 'desc' : 'asc' },
			take: input.limit + 1,
			include: messageInclude
		});
		const more = rows.length > input.limit;
		const page = rows.slice(0, input.limit).map(toMessageDto);
		if (newerFirst) page.reverse();
		return {
			channelId: input.channelId,
			messages: page,
			hasMoreBefore: newerFirst
				? more
				: await this.#exists(input.channelId, { lt: page[0]?.seq ?? input.after ?? 0 }),
			hasMoreAfter: newerFirst
				? input.before !== undefined &&
					(await this.#exists(input.channelId, { gt: page.at(-1)?.seq ?? 0 }))
				: more,
			version
		};
	}

	/** A thread: its root and every reply, oldest first. */
	async thread(
		user: PublicUser,
		messageId: string
	): Promise<{ parent: MessageDto; replies: MessageDto[] }> {
		const root = await this.#db.message.findUnique({
			where: { id: messageId },
			include: messageInclude
		});
		const notFound = new AppError('not_found', 'No such message.');
		if (!root) throw notFound;
		// A message in a private channel you are not in does not exist, as far as you can tell.
		const access = await loadAccess(this.#db, root.channelId, user).catch(() => {
			throw notFound;
		});
		requireMember(access);
		if (root.parentId) {
			throw new AppError('nested_thread', 'Open the thread of the original message.');
		}
		const replies = await this.#db.message.findMany({
			where: { parentId: messageId },
			orderBy: { seq: 'asc' },
			include: messageInclude
		});
		return { parent: toMessageDto(root), replies: replies.map(toMessageDto) };
	}

	/**
	 * Everything that changed in a channel after `since`, in one answer: new, edited and deleted
	 * messages (as tombstones), reactions and reply counts (as the message's current state),
	 * membership changes and the channel's own settings.
	 */
	async changesSince(user: PublicUser, channelId: string, since: number): Promise<ChannelChanges> {
		const access = await loadAccess(this.#db, channelId, user);
		requireMember(access);
		const { version } = access.channel;
		const where = { channelId, version: { gt: since, lte: version } };
		const count = await this.#db.message.count({ where });
		if (count > CATCH_UP_LIMIT) {
			return { channelId, version, messages: [], members: [], truncated: true };
		}
		const [messages, members, channel] = await Promise.all([
			this.#db.message.findMany({ where, orderBy: { version: 'asc' }, include: messageInclude }),
			this.#db.channelMember.findMany({ where, include: memberInclude }),
			this.#db.channel.findUniqueOrThrow({ where: { id: channelId } })
		]);
		return {
			channelId,
			version,
			messages: messages.map(toMessageDto),
			members: members.map(toMemberDto),
			...(channel.metaVersion > since && {
				channel: {
					name: channel.name ?? '',
					description: channel.description,
					archived: channel.archivedAt !== null,
					version: channel.metaVersion
				}
			})
		};
	}

	/** Moves the user's read cursor forward (never back) and tells their other tabs and devices. */
	async markRead(
		user: PublicUser,
		channelId: string,
		seq: number
	): Promise<{ lastReadSeq: number }> {
		const access = await loadAccess(this.#db, channelId, user);
		const member = requireMember(access);
		const channel = await this.#db.channel.findUniqueOrThrow({
			where: { id: channelId },
			select: { lastMessageSeq: true }
		});
		const lastReadSeq = Math.min(Math.max(member.lastReadSeq, seq), channel.lastMessageSeq);
		if (lastReadSeq !== member.lastReadSeq) {
			await this.#db.channelMember.updateMany({
				where: { channelId, userId: user.id, lastReadSeq: { lt: lastReadSeq } },
				data: { lastReadSeq }
			});
			this.#bus.emit(rooms.user(user.id), 'channel:read', { channelId, lastReadSeq });
		}
		return { lastReadSeq };
	}

	async #exists(channelId: string, seq: { lt: number } | { gt: number }): Promise<boolean> {
		const row = await this.#db.message.findFirst({
			where: { channelId, parentId: null, seq },
			select: { id: true }
		});
		return row !== null;
	}
}
