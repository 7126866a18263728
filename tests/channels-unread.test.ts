import { describe, expect, it } from 'vitest';
import type { ChannelSummary } from '#lib/shared/channels.ts';
import type { TestSocket } from './helpers/client.ts';
import {
	clientId,
	flush,
	ok,
	record,
	RELAXED_LIMITS,
	rest,
	waitForEvent,
	type TestUser
} from './helpers/channels.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser;
let bo: TestUser;
let cy: TestUser;
let anaTab2: TestSocket;

useParley({ env: RELAXED_LIMITS }, async (kit) => {
	await kit.account('Admin');
	[ana, bo, cy] = await kit.users('Ana', 'Bo', 'Cy');
	anaTab2 = await kit.tab(ana);
});

function send(user: TestUser, channelId: string, body: string, parentId: string | null = null) {
	return ok(user.socket, 'message:send', { channelId, clientId: clientId(), body, parentId });
}

async function summary(socket: TestSocket, channelId: string): Promise<ChannelSummary> {
	const found = (await ok(socket, 'channels:list', {})).channels.find((c) => c.id === channelId);
	if (!found) throw new Error('not in the list');
	return found;
}

describe('unread counts', () => {
	it('count top-level messages by others that are not deleted, after the read cursor', async () => {
		const channel = await ok(ana.socket, 'channel:create', {
			kind: 'public',
			name: 'unread',
			memberIds: [bo.id, cy.id]
		});
		await send(ana, channel.id, 'mine');
		const b1 = await send(bo, channel.id, 'b1');
		await send(bo, channel.id, 'b2');
		await send(bo, channel.id, 'b3');
		await send(cy, channel.id, 'a reply does not count', b1.id);
		const c4 = await send(cy, channel.id, 'deleted does not count');
		await ok(cy.socket, 'message:delete', { messageId: c4.id });

		const forAna = await summary(ana.socket, channel.id);
		expect(forAna).toMatchObject({ unreadCount: 3, lastMessageSeq: c4.seq });
		// Posting marks everything before it read: Bo's and Cy's own posts came last.
		expect((await summary(bo.socket, channel.id)).unreadCount).toBe(0);
		expect((await summary(cy.socket, channel.id)).unreadCount).toBe(0);

		const viaRest = await rest<{ channels: ChannelSummary[] }>(ana, 'GET', '/channels');
		expect(viaRest.body.channels.find((c) => c.id === channel.id)).toEqual(forAna);
	});
});

describe('read cursor', () => {
	async function setup(name: string) {
		const channel = await ok(ana.socket, 'channel:create', {
			kind: 'private',
			name,
			memberIds: [bo.id]
		});
		const messages = [];
		for (const body of ['m1', 'm2', 'm3', 'm4']) messages.push(await send(bo, channel.id, body));
		return { channel, messages };
	}

	it('moves on one tab, is announced to the other tabs and shows in the list', async () => {
		const { channel, messages } = await setup('cursor');
		const seen = waitForEvent(anaTab2, 'channel:read', (e) => e.channelId === channel.id);
		const ack = await ok(ana.socket, 'channel:read', {
			channelId: channel.id,
			seq: messages[1].seq
		});
		expect(ack).toEqual({ lastReadSeq: messages[1].seq });
		expect(await seen).toEqual({ channelId: channel.id, lastReadSeq: messages[1].seq });
		expect(await summary(anaTab2, channel.id)).toMatchObject({
			lastReadSeq: messages[1].seq,
			unreadCount: 2
		});
		// Bo's cursor is his own.
		expect((await summary(bo.socket, channel.id)).lastReadSeq).toBe(messages[3].seq);
	});

	it('never moves backwards and says nothing when it does not move', async () => {
		const { channel, messages } = await setup('backwards');
		await ok(ana.socket, 'channel:read', { channelId: channel.id, seq: messages[2].seq });
		await flush(anaTab2);
		const events = record(anaTab2, 'channel:read');
		for (const seq of [messages[0].seq, 0, messages[2].seq]) {
			expect(await ok(ana.socket, 'channel:read', { channelId: channel.id, seq })).toEqual({
				lastReadSeq: messages[2].seq
			});
		}
		await flush(anaTab2);
		expect(events.events).toEqual([]);
		events.stop();
		expect(await summary(ana.socket, channel.id)).toMatchObject({
			lastReadSeq: messages[2].seq,
			unreadCount: 1
		});
	});

	it('clamps to the newest top-level message', async () => {
		const { channel, messages } = await setup('clamp');
		const last = messages[3];
		await send(bo, channel.id, 'a reply has a higher seq', last.id);
		expect(await ok(ana.socket, 'channel:read', { channelId: channel.id, seq: 1_000_000 })).toEqual(
			{ lastReadSeq: last.seq }
		);
		expect(await summary(ana.socket, channel.id)).toMatchObject({
			lastReadSeq: last.seq,
			lastMessageSeq: last.seq,
			unreadCount: 0
		});
		// A new message is unread again; marking it read over REST tells the tabs too.
		const next = await send(bo, channel.id, 'next');
		expect((await summary(anaTab2, channel.id)).unreadCount).toBe(1);
		const seen = waitForEvent(anaTab2, 'channel:read', (e) => e.lastReadSeq === next.seq);
		const response = await rest(ana, 'POST', `/channels/${channel.id}/read`, { seq: next.seq });
		expect(response).toEqual({ status: 200, body: { lastReadSeq: next.seq } });
		expect((await seen).lastReadSeq).toBe(next.seq);
		expect((await summary(anaTab2, channel.id)).unreadCount).toBe(0);
	});

	it('moves when you post, and your other tabs are told', async () => {
		const { channel, messages } = await setup('posting');
		expect((await summary(anaTab2, channel.id)).unreadCount).toBe(4);
		const seen = waitForEvent(anaTab2, 'channel:read', (e) => e.channelId === channel.id);
		const mine = await send(ana, channel.id, 'caught up');
		expect(mine.seq).toBeGreaterThan(messages[3].seq);
		expect(await seen).toEqual({ channelId: channel.id, lastReadSeq: mine.seq });
		expect(await summary(anaTab2, channel.id)).toMatchObject({
			lastReadSeq: mine.seq,
			unreadCount: 0
		});
	});
});
