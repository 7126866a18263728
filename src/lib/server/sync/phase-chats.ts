import { readChat } from './chat-tree.ts';
import { listUserChats } from './chat-listing.ts';
import type { JobContext } from './job-context.ts';
import { RemoteError } from './owui-client.ts';
import { pool } from './pool.ts';
import { readChatList } from './remote.ts';
import { ChatWriter } from './chat-writer.ts';
import { loadKnownChats, softDeleteChats, type ChatWrite } from './store-chats.ts';

/** How far below a user's watermark listings read (offset pages shift when chats change mid-scan). */
export const OVERLAP_S = 300;

interface UserPlan {
	remaining: number;
	failed: boolean;
	newestS: number;
}

/**
 * Chats in two steps. First every user's chat list (cheap: ids and `updated_at`), which finds the
 * changed chats and, by comparing id sets, the deleted ones. Then the body of each changed chat,
 * imported whole with its messages and usage. A user's watermark moves only once all of their
 * changed chats are in, so an interrupted run resumes where it stopped.
 */
export async function syncChats(ctx: JobContext, userIds: string[]): Promise<void> {
	const { db, instance, progress, client } = ctx;
	progress.state('chats', 'running', `Listing the chats of ${userIds.length} users`);
	progress.step('chats', { done: 0, total: userIds.length });
	progress.state('messages', 'running');
	const known = await loadKnownChats(db, instance.id);
	const plans = new Map<string, UserPlan>();
	const work: { userId: string; chatId: string }[] = [];
	let listedUsers = 0;

	await pool(
		userIds,
		ctx.parallel,
		async (userId) => {
			const mine = known.get(userId) ?? new Map<string, number>();
			try {
				const listing = await listUserChats({
					fetchPage: async (page) =>
						readChatList(
							await client.get(`/api/v1/chats/list/user/${encodeURIComponent(userId)}`, {
								page,
								order_by: 'updated_at',
								direction: 'desc'
							})
						),
					known: mine,
					watermarkS: ctx.full ? null : ctx.marks.get('chats', userId),
					overlapS: OVERLAP_S
				});
				const changed = [...listing.seen.keys()].filter(
					(id) => ctx.full || mine.get(id) !== listing.seen.get(id)
				);
				progress.count('chats', { unchanged: listing.seen.size - changed.length });
				if (listing.gone.length) await deleteChats(ctx, listing.gone);
				const newestS = Math.max(0, ...listing.seen.values());
				plans.set(userId, { remaining: changed.length, failed: false, newestS });
				for (const chatId of changed) work.push({ userId, chatId });
				if (!changed.length) await ctx.marks.advance('chats', userId, newestS, ctx.nowS);
			} catch (error) {
				ctx.fail('chats', listingError(error, userId), userId);
			}
			progress.step('chats', { done: ++listedUsers });
		},
		ctx.signal
	);

	progress.step('chats', {
		done: 0,
		total: work.length,
		note: work.length ? `Importing ${work.length} changed chats` : 'No chat changed'
	});
	let imported = 0;
	const writer = new ChatWriter(ctx);
	const writes: Promise<void>[] = [];
	const settle = async (userId: string, ok: boolean) => {
		const plan = plans.get(userId);
		progress.step('chats', { done: ++imported });
		if (!plan) return;
		if (!ok) plan.failed = true;
		if (--plan.remaining === 0 && !plan.failed) {
			await ctx.marks.advance('chats', userId, plan.newestS, ctx.nowS);
		}
	};
	try {
		await pool(
			work,
			ctx.parallel,
			async ({ userId, chatId }) => {
				let queued: { written: Promise<ChatWrite> } | null;
				try {
					queued = await importChat(ctx, chatId, writer);
				} catch (error) {
					ctx.fail('chats', error, chatId);
					return settle(userId, false);
				}
				if (!queued) return settle(userId, true);
				writes.push(
					queued.written.then(
						(result) => {
							for (const day of result.days) ctx.days.add(day);
							progress.count('chats', { [result.chat]: 1 });
							progress.count('messages', result.messages);
							const m = result.messages;
							progress.step('messages', {
								done: progress.entities.messages.done + m.added + m.updated + m.unchanged
							});
							return settle(userId, true);
						},
						(error: unknown) => {
							ctx.fail('chats', error, chatId);
							return settle(userId, false);
						}
					)
				);
			},
			ctx.signal
		);
	} finally {
		await writer.close();
		await Promise.allSettled(writes);
	}
	await Promise.all(writes);
	progress.state('chats', 'done');
	progress.state('messages', 'done');
}

/** Fetches and reads one chat; resolves with its queued write, or null when it is gone. */
async function importChat(
	ctx: JobContext,
	chatId: string,
	writer: ChatWriter
): Promise<{ written: Promise<ChatWrite> } | null> {
	let body: unknown;
	try {
		body = await ctx.client.get(`/api/v1/chats/${encodeURIComponent(chatId)}`);
	} catch (error) {
		// Open WebUI answers 401 (not 404) for a chat that does not exist: deleted since the listing.
		if (error instanceof RemoteError && error.failure === 'unauthorized') {
			await ctx.confirmKey();
			await deleteChats(ctx, [chatId]);
			return null;
		}
		throw error;
	}
	const chat = readChat(body, ctx.nowS);
	for (const warning of chat.warnings) {
		ctx.progress.issue({
			entity: 'messages',
			remoteId: chat.id,
			message: `Chat ${chat.id}: ${warning}.`,
			warning: true
		});
	}
	return writer.add(chat);
}

async function deleteChats(ctx: JobContext, chatIds: string[]): Promise<void> {
	const result = await ctx.write(() =>
		softDeleteChats(ctx.db, ctx.instance.id, chatIds, ctx.startedAt)
	);
	for (const day of result.days) ctx.days.add(day);
	ctx.progress.count('chats', { deleted: result.chats });
	ctx.progress.count('messages', { deleted: result.messages });
}

/** A 401 while listing chats usually means admin chat access is switched off on the instance. */
function listingError(error: unknown, userId: string): unknown {
	if (error instanceof RemoteError && error.failure === 'unauthorized') {
		return new RemoteError(
			'unauthorized',
			error.path,
			`Open WebUI refused to list the chats of user ${userId} (401). Check that ENABLE_ADMIN_CHAT_ACCESS is on for the instance, and the key.`,
			{ status: 401 }
		);
	}
	return error;
}
