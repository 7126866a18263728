import type { SqlDb } from '../db/adapter-sql.ts';
import { param, q, raw } from '../db/sql.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import type { ChannelChanges, HistoryPage, MessageDto } from '#lib/shared/channels.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { loadAccess, requireMember } from './access.ts';
import { readMembers, readMessage, readMessages } from './message-sql.ts';

/** Above this many changed rows a catch-up tells the client to reload instead. */
export const CATCH_UP_LIMIT = 20_000;

/** Reading a channel: history pages, threads, catch-up since a cursor, and read cursors. */
export class ChannelReader {
	readonly #sql: SqlDb;
	readonly #bus: RealtimeBus;

	constructor(sql: SqlDb, bus: RealtimeBus) {
		this.#sql = sql;
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
		const access = await loadAccess(this.#sql, input.channelId, user);
		requireMember(access);
		const { version } = access.channel;
		const newerFirst = input.after === undefined;
		// No bound for the newest page: a "below anything" number would not fit PostgreSQL's
		// integer column.
		const bound = newerFirst
			? input.before === undefined
				? raw('')
				: q` AND seq < ${param(input.before)}`
			: q` AND seq > ${param(input.after ?? 0)}`;
		const direction = raw(newerFirst ? 'DESC' : 'ASC');
		const rows = await readMessages(
			this.#sql,
			q`m.id IN (SELECT id FROM "Message"
	WHERE "channelId" = ${input.channelId} AND "parentId" IS NULL${bound}
	ORDER BY seq ${direction} LIMIT ${input.limit + 1})`,
			q`m.seq ${direction}`
		);
		const more = rows.length > input.limit;
		const page = rows.slice(0, input.limit);
		if (newerFirst) page.reverse();
		return {
			channelId: input.channelId,
			messages: page,
			hasMoreBefore: newerFirst
				? more
				: await this.#exists(input.channelId, '<', page[0]?.seq ?? input.after ?? 0),
			hasMoreAfter: newerFirst
				? input.before !== undefined &&
					(await this.#exists(input.channelId, '>', page.at(-1)?.seq ?? 0))
				: more,
			version
		};
	}

	/** A thread: its root and every reply, oldest first. */
	async thread(
		user: PublicUser,
		messageId: string
	): Promise<{ parent: MessageDto; replies: MessageDto[] }> {
		const root = await readMessage(this.#sql, messageId);
		const notFound = new AppError('not_found', 'No such message.');
		if (!root) throw notFound;
		// A message in a private channel you are not in does not exist, as far as you can tell.
		const access = await loadAccess(this.#sql, root.channelId, user).catch(() => {
			throw notFound;
		});
		requireMember(access);
		if (root.parentId) {
			throw new AppError('nested_thread', 'Open the thread of the original message.');
		}
		const replies = await readMessages(this.#sql, q`m."parentId" = ${messageId}`);
		return { parent: root, replies };
	}

	/**
	 * Everything that changed in a channel after `since`, in one answer: new, edited and deleted
	 * messages (as tombstones), reactions and reply counts (as the message's current state),
	 * membership changes and the channel's own settings.
	 */
	async changesSince(user: PublicUser, channelId: string, since: number): Promise<ChannelChanges> {
		const access = await loadAccess(this.#sql, channelId, user);
		requireMember(access);
		const { channel } = access;
		const { version } = channel;
		const changed = (table: string) =>
			q`${raw(table)}."channelId" = ${channelId}
	AND ${raw(table)}.version > ${param(since)} AND ${raw(table)}.version <= ${param(version)}`;
		const counted = await this.#sql.get<{ count: number }>(
			q`SELECT COUNT(*) AS count FROM "Message" m WHERE ${changed('m')}`
		);
		if ((counted?.count ?? 0) > CATCH_UP_LIMIT) {
			return { channelId, version, messages: [], members: [], truncated: true };
		}
		const [messages, members] = await Promise.all([
			readMessages(this.#sql, changed('m'), raw('m.version')),
			readMembers(this.#sql, changed('cm'))
		]);
		return {
			channelId,
			version,
			messages,
			members,
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
		const access = await loadAccess(this.#sql, channelId, user);
		const member = requireMember(access);
		const lastReadSeq = Math.min(Math.max(member.lastReadSeq, seq), access.channel.lastMessageSeq);
		if (lastReadSeq !== member.lastReadSeq) {
			const cursor = param(lastReadSeq);
			await this.#sql.run(
				q`UPDATE "ChannelMember" SET "lastReadSeq" = ${cursor}
WHERE "channelId" = ${channelId} AND "userId" = ${user.id} AND "lastReadSeq" < ${cursor}`
			);
			this.#bus.emit(rooms.user(user.id), 'channel:read', { channelId, lastReadSeq });
		}
		return { lastReadSeq };
	}

	async #exists(channelId: string, op: '<' | '>', seq: number): Promise<boolean> {
		const row = await this.#sql.get(
			q`SELECT 1 AS found FROM "Message"
WHERE "channelId" = ${channelId} AND "parentId" IS NULL AND seq ${raw(op)} ${param(seq)} LIMIT 1`
		);
		return row !== undefined;
	}
}
