import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSync } from '#lib/client/channels/channel-sync.ts';
import type { MessageDto } from '#lib/shared/channels.ts';
import { connected } from './helpers/client.ts';
import { clientId, newUser, ok, type TestUser } from './helpers/channels.ts';
import { disposeServer, startServer, type TestServer } from './helpers/server.ts';
import { socketTransport } from './helpers/transport.ts';

let server: TestServer;
let ana: TestUser;
let bo: TestUser;

beforeAll(async () => {
	server = await startServer();
	ana = await newUser(server.url, 'Ana');
	bo = await newUser(server.url, 'Bo');
});
afterAll(async () => {
	for (const u of [ana, bo]) u?.socket.disconnect();
	await disposeServer(server);
});

/** The server's view of a channel: every top-level message and reply, in order. */
async function serverState(user: TestUser, channelId: string) {
	const history = await ok(user.socket, 'channel:history', { channelId, limit: 200 });
	const replies: MessageDto[] = [];
	for (const m of history.messages.filter((m) => m.replyCount > 0)) {
		replies.push(...(await ok(user.socket, 'thread:history', { messageId: m.id })).replies);
	}
	return { top: history.messages, replies };
}

describe('catch-up after a disconnect', () => {
	it('reconstructs exactly the server state: new, edited, deleted, reacted, threaded', async () => {
		const channel = await ok(ana.socket, 'channel:create', {
			kind: 'public',
			name: 'catch-up',
			memberIds: [bo.id]
		});
		const send = (body: string, parentId: string | null = null) =>
			ok(ana.socket, 'message:send', {
				channelId: channel.id,
				clientId: clientId(),
				body,
				parentId
			});
		const before = await send('before the disconnect');
		const toEdit = await send('to edit');

		const boSync = new ChannelSync(channel.id, socketTransport(bo.socket));
		await boSync.open();
		expect(boSync.timeline.topLevel().map((m) => m.body)).toEqual([
			'before the disconnect',
			'to edit'
		]);

		bo.socket.disconnect();
		await ok(ana.socket, 'message:edit', { messageId: toEdit.id, body: 'edited while away' });
		await ok(ana.socket, 'message:delete', { messageId: before.id });
		const root = await send('a thread root');
		await send('a reply', root.id);
		await ok(ana.socket, 'message:react', { messageId: root.id, emoji: '👍' });
		await ok(ana.socket, 'channel:update', { channelId: channel.id, description: 'now described' });

		bo.socket.connect();
		await connected(bo.socket);
		await boSync.catchUp();

		const truth = await serverState(ana, channel.id);
		expect(boSync.timeline.topLevel()).toEqual(truth.top);
		expect(boSync.timeline.replies(root.id)).toEqual(truth.replies);
		expect(boSync.timeline.meta?.description).toBe('now described');
		boSync.close();
	});
});
