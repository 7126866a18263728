/** A thread root's reply count and last reply time follow deletions, live and in catch-up. */
import { expect, it } from 'vitest';
import type { MessageDto } from '#lib/shared/channels.ts';
import { clientId, flush, ok, record, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser;
let bo: TestUser;

useParley({ env: RELAXED_LIMITS }, async (kit) => {
	[ana, bo] = await kit.users('Ana', 'Bo');
});

function send(user: TestUser, channelId: string, body: string, parentId: string | null = null) {
	return ok(user.socket, 'message:send', { channelId, clientId: clientId(), body, parentId });
}

/** The root as Bo receives it live when `action` runs. */
async function rootSeenLive(rootId: string, action: () => Promise<unknown>): Promise<MessageDto> {
	await flush(bo.socket);
	const changes = record(bo.socket, 'channel:change');
	await action();
	await flush(bo.socket);
	changes.stop();
	const [root] = changes.events
		.flatMap((c) => c.messages)
		.filter((m) => m.id === rootId)
		.sort((a, b) => b.version - a.version);
	if (!root) throw new Error('the root did not arrive');
	return root;
}

it('deleting the newest reply moves lastReplyAt back to the newest left, then to null', async () => {
	const { id: channelId } = await ok(ana.socket, 'channel:create', {
		kind: 'private',
		name: 'threads',
		memberIds: [bo.id]
	});
	const root = await send(ana, channelId, 'Question');
	const first = await send(bo, channelId, 'First answer', root.id);
	await new Promise((r) => setTimeout(r, 20));
	const second = await send(ana, channelId, 'Second answer', root.id);
	const start = await ok(bo.socket, 'channel:sync', { channelId, since: 0 });
	const rootNow = start.messages.find((m) => m.id === root.id);
	expect(rootNow).toMatchObject({ replyCount: 2, lastReplyAt: second.createdAt });
	expect(second.createdAt > first.createdAt).toBe(true);

	const afterSecond = await rootSeenLive(root.id, () =>
		ok(ana.socket, 'message:delete', { messageId: second.id })
	);
	expect(afterSecond).toMatchObject({ replyCount: 1, lastReplyAt: first.createdAt });

	// Catch-up from before the deletion gives the same root.
	const missed = await ok(bo.socket, 'channel:sync', { channelId, since: start.version });
	expect(missed.messages.find((m) => m.id === root.id)).toEqual(afterSecond);

	const afterFirst = await rootSeenLive(root.id, () =>
		ok(bo.socket, 'message:delete', { messageId: first.id })
	);
	expect(afterFirst).toMatchObject({ replyCount: 0, lastReplyAt: null });
	const thread = await ok(ana.socket, 'thread:history', { messageId: root.id });
	expect(thread.parent).toMatchObject({ replyCount: 0, lastReplyAt: null });
});

it('deleting an older reply keeps lastReplyAt on the newest', async () => {
	const { id: channelId } = await ok(ana.socket, 'channel:create', {
		kind: 'private',
		name: 'threads-older',
		memberIds: [bo.id]
	});
	const root = await send(ana, channelId, 'Question');
	const first = await send(bo, channelId, 'First answer', root.id);
	await new Promise((r) => setTimeout(r, 20));
	const second = await send(ana, channelId, 'Second answer', root.id);
	const after = await rootSeenLive(root.id, () =>
		ok(bo.socket, 'message:delete', { messageId: first.id })
	);
	expect(after).toMatchObject({ replyCount: 1, lastReplyAt: second.createdAt });
});
