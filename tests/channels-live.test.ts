import { describe, expect, it } from 'vitest';
import type { ChannelChanges } from '#lib/shared/channels.ts';
import { connected, HttpClient, type TestSocket } from './helpers/client.ts';
import {
	call,
	clientId,
	flush,
	ok,
	record,
	RELAXED_LIMITS,
	waitForEvent,
	type TestUser
} from './helpers/channels.ts';
import { useParley } from './helpers/kit.ts';

let admin: TestUser;
let ana: TestUser;
let bo: TestUser;
let cy: TestUser;
let dee: TestUser;
let anaTab2: TestSocket;
const sockets: TestSocket[] = [];

const server = useParley({ env: RELAXED_LIMITS }, async (kit) => {
	[admin, ana, bo, cy, dee] = await kit.users('Admin', 'Ana', 'Bo', 'Cy', 'Dee');
	anaTab2 = await kit.tab(ana);
	sockets.push(admin.socket, ana.socket, anaTab2, bo.socket, cy.socket, dee.socket);
});

/** A private channel owned by Ana with Bo and Cy; Dee and the admin are not members. */
async function team(name: string) {
	return ok(ana.socket, 'channel:create', {
		kind: 'private',
		name,
		memberIds: [bo.id, cy.id]
	});
}

function send(user: TestUser, channelId: string, body: string, parentId: string | null = null) {
	return ok(user.socket, 'message:send', { channelId, clientId: clientId(), body, parentId });
}

/**
 * Runs `action` and returns what it acknowledged together with the `channel:change` that `observer`
 * received for the version it made (a round trip on the observer's socket delivers it).
 */
async function observe<T extends { version: number }>(
	observer: TestSocket,
	action: () => Promise<T>
): Promise<{ result: T; change: ChannelChanges | undefined }> {
	const changes = record(observer, 'channel:change');
	const result = await action();
	await flush(observer);
	changes.stop();
	return { result, change: changes.events.find((c) => c.version === result.version) };
}

describe('live delivery', () => {
	it('delivers every change to every socket of every member, in version order, and to nobody else', async () => {
		const channel = await team('delivery');
		const members = [ana.socket, anaTab2, bo.socket, cy.socket];
		const recorders = [...members, dee.socket, admin.socket].map((s) =>
			record(s, 'channel:change')
		);

		const sent = [];
		sent.push(await send(ana, channel.id, 'one'));
		sent.push(await send(bo, channel.id, 'two'));
		sent.push(await send(cy, channel.id, 'three'));
		sent.push(await send(ana, channel.id, 'four'));
		const edited = await ok(bo.socket, 'message:edit', { messageId: sent[1].id, body: 'two!' });

		await Promise.all(sockets.map(flush));
		const expected: ChannelChanges[] = [...sent, edited].map((m) => ({
			channelId: channel.id,
			version: m.version,
			messages: [m],
			members: []
		}));
		for (const r of recorders.slice(0, members.length)) expect(r.events).toEqual(expected);
		for (const r of recorders.slice(members.length)) expect(r.events).toEqual([]);
		for (const r of recorders) r.stop();
	});

	it('delivers thread replies together with the updated root', async () => {
		const channel = await team('threads');
		const root = await send(ana, channel.id, 'root');
		const first = await observe(cy.socket, () => send(bo, channel.id, 'first reply', root.id));
		const reply = first.result;
		expect(reply.parentId).toBe(root.id);
		expect(first.change).toEqual({
			channelId: channel.id,
			version: reply.version,
			members: [],
			messages: [
				reply,
				{ ...root, version: reply.version, replyCount: 1, lastReplyAt: reply.createdAt }
			]
		});

		const next = await observe(anaTab2, () => send(cy, channel.id, 'second reply', root.id));
		expect(next.change?.messages[1]).toMatchObject({
			id: root.id,
			replyCount: 2,
			lastReplyAt: next.result.createdAt,
			version: next.result.version
		});
		expect(await call(dee.socket, 'thread:history', { messageId: root.id })).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});
	});

	it('delivers reaction toggles with counts and who reacted, oldest first', async () => {
		const channel = await team('reactions');
		const message = await send(ana, channel.id, 'react to me');
		const react = async (user: TestUser, emoji: string) => {
			const { result, change } = await observe(anaTab2, () =>
				ok(user.socket, 'message:react', { messageId: message.id, emoji })
			);
			expect(change?.messages).toEqual([result]);
			return result.reactions;
		};
		expect(await react(bo, '👍')).toEqual([{ emoji: '👍', count: 1, userIds: [bo.id] }]);
		expect(await react(cy, '👍')).toEqual([{ emoji: '👍', count: 2, userIds: [bo.id, cy.id] }]);
		expect(await react(ana, '🎉')).toEqual([
			{ emoji: '👍', count: 2, userIds: [bo.id, cy.id] },
			{ emoji: '🎉', count: 1, userIds: [ana.id] }
		]);
		expect(await react(bo, '👍')).toEqual([
			{ emoji: '👍', count: 1, userIds: [cy.id] },
			{ emoji: '🎉', count: 1, userIds: [ana.id] }
		]);
		expect(await react(cy, '👍')).toEqual([{ emoji: '🎉', count: 1, userIds: [ana.id] }]);
		expect(await react(ana, '🎉')).toEqual([]);
	});
});

describe('typing', () => {
	it('reaches the other members, not the typing socket and not non-members', async () => {
		const channel = await team('typing');
		const recorders = [ana.socket, anaTab2, bo.socket, cy.socket, dee.socket, admin.socket].map(
			(s) => record(s, 'channel:typing')
		);
		await ok(ana.socket, 'channel:typing', { channelId: channel.id });
		await Promise.all(sockets.map(flush));
		const [own, otherTab, boGot, cyGot, deeGot, adminGot] = recorders.map((r) => r.events);
		const event = {
			channelId: channel.id,
			user: { id: ana.id, displayName: 'Ana', avatarColor: expect.any(String) },
			expiresInMs: 6000
		};
		expect(boGot).toEqual([event]);
		expect(cyGot).toEqual([event]);
		expect(otherTab).toEqual([event]); // the typist's other tab may show it or not; it arrives
		expect(own).toEqual([]);
		expect(deeGot).toEqual([]);
		expect(adminGot).toEqual([]);
		for (const r of recorders) r.stop();
	});

	it('broadcasts at most once per two seconds per person and channel', async () => {
		const channel = await team('typing-throttle');
		const boTyping = record(bo.socket, 'channel:typing');
		await ok(cy.socket, 'channel:typing', { channelId: channel.id });
		await ok(cy.socket, 'channel:typing', { channelId: channel.id });
		await ok(cy.socket, 'channel:typing', { channelId: channel.id });
		// Everything emitted to Bo before this message's change has arrived once the change has.
		const marker = waitForEvent(bo.socket, 'channel:change', (c) => c.channelId === channel.id);
		await send(cy, channel.id, 'done typing');
		await marker;
		expect(boTyping.events.map((e) => e.user.id)).toEqual([cy.id]);
		boTyping.stop();
	});
});

describe('presence', () => {
	const statusOf = (users: { userId: string; status: string }[], id: string) =>
		users.find((u) => u.userId === id)?.status;
	const changeFor = (id: string, status: string) =>
		waitForEvent(bo.socket, 'presence:changed', (e) => statusOf(e.users, id) === status);

	it('lists who is online', async () => {
		const { users } = await ok(bo.socket, 'presence:list', {});
		for (const u of [ana, bo, cy, dee]) expect(statusOf(users, u.id)).toBe('online');
	});

	it('goes online, away when every tab is idle, online again, and offline when all close', async () => {
		const http = new HttpClient(server.url);
		await http.signUp({ displayName: 'Eve' });
		const eveId = (await http.json<{ user: { id: string } }>('/api/v1/me')).body.user.id;

		const online = changeFor(eveId, 'online');
		const tab1 = http.socket();
		await connected(tab1);
		await online;
		const tab2 = http.socket();
		await connected(tab2);

		await ok(tab1, 'presence:set', { state: 'idle' });
		const list = await ok(bo.socket, 'presence:list', {});
		expect(statusOf(list.users, eveId)).toBe('online'); // one tab is still active

		const away = changeFor(eveId, 'away');
		await ok(tab2, 'presence:set', { state: 'idle' });
		await away;
		expect(statusOf((await ok(bo.socket, 'presence:list', {})).users, eveId)).toBe('away');

		const back = changeFor(eveId, 'online');
		await ok(tab1, 'presence:set', { state: 'active' });
		await back;

		const offline = changeFor(eveId, 'offline');
		tab1.disconnect();
		tab2.disconnect();
		await offline;
		expect(statusOf((await ok(bo.socket, 'presence:list', {})).users, eveId)).toBeUndefined();
	});

	it('batches changes that happen close together into one event', async () => {
		const clients = [new HttpClient(server.url), new HttpClient(server.url)];
		const ids: string[] = [];
		for (const [i, http] of clients.entries()) {
			await http.signUp({ displayName: `Batch ${i}` });
			ids.push((await http.json<{ user: { id: string } }>('/api/v1/me')).body.user.id);
		}
		const both = waitForEvent(bo.socket, 'presence:changed', (e) =>
			ids.some((id) => statusOf(e.users, id) === 'online')
		);
		const tabs = clients.map((http) => http.socket());
		await Promise.all(tabs.map(connected));
		const event = await both;
		expect(ids.map((id) => statusOf(event.users, id))).toEqual(['online', 'online']);
		for (const tab of tabs) tab.disconnect();
	});
});
