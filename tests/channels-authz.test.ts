import { describe, expect, it } from 'vitest';
import type { MessageDto } from '#lib/shared/channels.ts';
import type { ErrorCode } from '#lib/shared/errors.ts';
import type { ClientEventInput, ClientEventName } from '#lib/shared/events.ts';
import { HttpClient, type TestSocket } from './helpers/client.ts';
import {
	anotherTab,
	call,
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

let admin: TestUser, ana: TestUser, bo: TestUser, cy: TestUser, dee: TestUser;
const UNKNOWN = '0190a6f4-0000-7000-8000-000000000000';

const server = useParley({ env: RELAXED_LIMITS }, async (kit) => {
	[admin, ana, bo, cy, dee] = await kit.users('Admin', 'Ana', 'Bo', 'Cy', 'Dee');
});

/** A channel owned by Ana with Bo and Cy, and a message by Bo in it. */
async function setup(kind: 'public' | 'private', name: string) {
	const channel = await ok(ana.socket, 'channel:create', { kind, name, memberIds: [bo.id, cy.id] });
	return { id: channel.id, message: await send(bo, channel.id, `by Bo in ${name}`) };
}

function send(user: TestUser, channelId: string, body: string, parentId: string | null = null) {
	return ok(user.socket, 'message:send', { channelId, clientId: clientId(), body, parentId });
}

async function expectError(
	user: TestUser | TestSocket,
	event: ClientEventName,
	payload: unknown,
	code: ErrorCode
) {
	const socket = 'socket' in user ? user.socket : user;
	const result = await call(socket, event, payload as ClientEventInput<typeof event>);
	expect(result, `${event}`).toMatchObject({ ok: false, error: { code } });
}

/** Every channel-domain socket event, aimed at one channel and one message in it. */
function socketCases(channelId: string, messageId: string, ownChannelId: string) {
	return [
		['channel:history', { channelId }],
		['channel:sync', { channelId, since: 0 }],
		['channel:read', { channelId, seq: 1 }],
		['channel:typing', { channelId }],
		['channel:update', { channelId, name: 'taken over' }],
		['channel:join', { channelId }],
		['channel:leave', { channelId }],
		['channel:members', { channelId }],
		['channel:members:add', { channelId, userIds: [dee.id] }],
		['channel:members:remove', { channelId, userId: bo.id }],
		['message:send', { channelId, clientId: clientId(), body: 'hi' }],
		[
			'message:send',
			{ channelId: ownChannelId, clientId: clientId(), body: 'x', parentId: messageId }
		],
		['thread:history', { messageId }],
		['message:edit', { messageId, body: 'mine now' }],
		['message:delete', { messageId }],
		['message:react', { messageId, emoji: '👍' }]
	] as const;
}

/** Every channel-domain REST endpoint, aimed at one channel and one message in it. */
function restCases(channelId: string, messageId: string) {
	return [
		['GET', `/channels/${channelId}/messages`, undefined],
		['POST', `/channels/${channelId}/messages`, { clientId: clientId(), body: 'hi' }],
		['GET', `/channels/${channelId}/changes?since=0`, undefined],
		['POST', `/channels/${channelId}/read`, { seq: 1 }],
		['GET', `/messages/${messageId}/thread`, undefined],
		['PATCH', `/messages/${messageId}`, { body: 'mine now' }],
		['DELETE', `/messages/${messageId}`, undefined],
		['POST', `/messages/${messageId}/reactions`, { emoji: '👍' }]
	] as const;
}

describe('outsiders', () => {
	it('cannot tell a private channel or its messages from ids that do not exist', async () => {
		const priv = await setup('private', 'secret');
		const own = await ok(dee.socket, 'channel:create', { kind: 'public', name: 'dee' });
		const real = socketCases(priv.id, priv.message.id, own.id);
		const fake = socketCases(UNKNOWN, UNKNOWN, own.id);
		for (const [i, [event, payload]] of real.entries()) {
			const result = await call(dee.socket, event, payload as never);
			expect(result, event).toMatchObject({ ok: false, error: { code: 'not_found' } });
			expect(result, event).toEqual(await call(dee.socket, fake[i][0], fake[i][1] as never));
		}
		const realRest = restCases(priv.id, priv.message.id);
		const fakeRest = restCases(UNKNOWN, UNKNOWN);
		for (const [i, [method, path, body]] of realRest.entries()) {
			const response = await rest(dee, method, path, body);
			expect(response, path).toMatchObject({ status: 404 });
			expect(response, path).toEqual(await rest(dee, method, fakeRest[i][1], fakeRest[i][2]));
		}
		const browse = await ok(dee.socket, 'channels:browse', { query: '' });
		const list = await ok(dee.socket, 'channels:list', {});
		for (const c of [...browse.channels, ...list.channels]) expect(c.id).not.toBe(priv.id);
		expect((await ok(bo.socket, 'channel:history', { channelId: priv.id })).messages).toHaveLength(
			1
		);
	});

	it('of a public channel may see it and its members but not read or write', async () => {
		const pub = await setup('public', 'open');
		const { id, message } = pub;
		expect((await ok(dee.socket, 'channels:browse', { query: 'open' })).channels[0].id).toBe(id);
		expect((await ok(dee.socket, 'channel:members', { channelId: id })).members).toHaveLength(3);
		for (const [event, payload] of socketCases(id, message.id, id)) {
			if (['channel:members', 'channel:join', 'channel:leave'].includes(event)) continue;
			await expectError(dee, event, payload, 'forbidden');
		}
		for (const [method, path, body] of restCases(id, message.id)) {
			expect((await rest(dee, method, path, body)).status, path).toBe(403);
		}
		expect(await call(dee.socket, 'channel:leave', { channelId: id })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		expect((await ok(dee.socket, 'channel:join', { channelId: id })).myRole).toBe('member');
		expect((await ok(dee.socket, 'channel:history', { channelId: id })).messages).toHaveLength(1);
	});

	it('receive no changes or typing from channels they are not in, admins included', async () => {
		const pub = await setup('public', 'quiet-public');
		const priv = await setup('private', 'quiet-private');
		const outsiders = [dee.socket, admin.socket];
		const changes = outsiders.map((s) => record(s, 'channel:change'));
		const typing = outsiders.map((s) => record(s, 'channel:typing'));
		for (const { id, message } of [pub, priv]) {
			await send(bo, id, 'members only');
			await ok(cy.socket, 'message:react', { messageId: message.id, emoji: '🎉' });
			await ok(cy.socket, 'channel:typing', { channelId: id });
		}
		await Promise.all(outsiders.map(flush));
		for (const r of [...changes, ...typing]) {
			expect(r.events).toEqual([]);
			r.stop();
		}
	});
});

describe('roles', () => {
	it('only the author edits; the author, the owner or an admin deletes', async () => {
		for (const kind of ['public', 'private'] as const) {
			const { id, message } = await setup(kind, `roles-${kind}`);
			const [second, third] = [await send(bo, id, 'two'), await send(bo, id, 'three')];
			for (const user of [cy, ana, admin]) {
				const code = user === admin && kind === 'private' ? 'not_found' : 'forbidden';
				await expectError(user, 'message:edit', { messageId: message.id, body: 'x' }, code);
			}
			expect(
				(await ok(bo.socket, 'message:edit', { messageId: message.id, body: 'ok' })).body
			).toBe('ok');
			await expectError(cy, 'message:delete', { messageId: message.id }, 'forbidden');
			for (const [user, target] of [
				[bo, message],
				[ana, second],
				[admin, third]
			] as const) {
				const deleted = await ok(user.socket, 'message:delete', { messageId: target.id });
				expect(deleted.deletedAt).not.toBeNull();
			}
		}
	});

	it('only the owner or an admin renames, archives or removes others', async () => {
		const { id } = await setup('public', 'managed');
		for (const user of [cy, dee]) {
			await expectError(user, 'channel:update', { channelId: id, name: 'mine' }, 'forbidden');
			await expectError(user, 'channel:update', { channelId: id, archived: true }, 'forbidden');
			await expectError(
				user,
				'channel:members:remove',
				{ channelId: id, userId: bo.id },
				'forbidden'
			);
		}
		expect((await ok(ana.socket, 'channel:update', { channelId: id, name: 'by owner' })).name).toBe(
			'by owner'
		);
		expect(
			(await ok(admin.socket, 'channel:update', { channelId: id, name: 'by admin' })).name
		).toBe('by admin');
		await ok(ana.socket, 'channel:members:remove', { channelId: id, userId: bo.id });
		await ok(admin.socket, 'channel:members:remove', { channelId: id, userId: cy.id });
		expect(
			(await ok(ana.socket, 'channel:members', { channelId: id })).members.map((m) => m.user.id)
		).toEqual([ana.id]);
	});

	it('an archived channel is readable but read-only until unarchived', async () => {
		const { id, message } = await setup('public', 'archive');
		await ok(ana.socket, 'channel:update', { channelId: id, archived: true });
		for (const [event, payload] of [
			['message:send', { channelId: id, clientId: clientId(), body: 'late' }],
			['message:send', { channelId: id, clientId: clientId(), body: 'late', parentId: message.id }],
			['message:edit', { messageId: message.id, body: 'late' }],
			['message:react', { messageId: message.id, emoji: '👍' }],
			['message:delete', { messageId: message.id }],
			['channel:typing', { channelId: id }],
			['channel:update', { channelId: id, name: 'late' }]
		] as const) {
			await expectError(event === 'channel:update' ? ana : bo, event, payload, 'channel_archived');
		}
		await expectError(dee, 'channel:join', { channelId: id }, 'channel_archived');
		await expectError(
			cy,
			'channel:members:add',
			{ channelId: id, userIds: [dee.id] },
			'channel_archived'
		);
		expect((await ok(cy.socket, 'channel:history', { channelId: id })).messages).toHaveLength(1);
		expect((await ok(cy.socket, 'thread:history', { messageId: message.id })).replies).toEqual([]);
		expect(
			(await ok(cy.socket, 'channel:sync', { channelId: id, since: 0 })).channel?.archived
		).toBe(true);
		expect(
			(await rest(bo, 'POST', `/channels/${id}/messages`, { clientId: clientId(), body: 'x' }))
				.status
		).toBe(409);
		await ok(ana.socket, 'channel:update', { channelId: id, archived: false });
		await send(bo, id, 'open again');
	});

	it('a removed member stops receiving at once and is told on every tab', async () => {
		const { id } = await setup('private', 'removal');
		const cyTab2 = await anotherTab(cy);
		await ok(cy.socket, 'channel:typing', { channelId: id });
		const removed = [cy.socket, cyTab2].map((s) =>
			waitForEvent(s, 'channel:removed', (e) => e.channelId === id)
		);
		await ok(ana.socket, 'channel:members:remove', { channelId: id, userId: cy.id });
		await Promise.all(removed);
		const changes = [cy.socket, cyTab2].map((s) => record(s, 'channel:change'));
		const typing = [cy.socket, cyTab2].map((s) => record(s, 'channel:typing'));
		await send(bo, id, 'after Cy left');
		await ok(bo.socket, 'channel:typing', { channelId: id });
		await Promise.all([flush(cy.socket), flush(cyTab2)]);
		for (const r of [...changes, ...typing]) expect(r.events).toEqual([]);
		for (const event of [
			'channel:history',
			'channel:sync',
			'channel:typing',
			'message:send'
		] as const) {
			const payload = { channelId: id, since: 0, clientId: clientId(), body: 'x' };
			await expectError(cy, event, payload, 'not_found');
		}
		expect((await ok(cy.socket, 'channels:list', {})).channels.map((c) => c.id)).not.toContain(id);
		cyTab2.disconnect();
	});
});

describe('direct messages', () => {
	it('one per set of people, up to 8 of them, closed to everyone else', async () => {
		const dm = await ok(ana.socket, 'dm:open', { userIds: [bo.id] });
		expect(dm).toMatchObject({ kind: 'dm', name: 'Bo', memberCount: 2 });
		expect((await ok(bo.socket, 'dm:open', { userIds: [ana.id] })).id).toBe(dm.id);
		expect((await ok(ana.socket, 'dm:open', { userIds: [bo.id, ana.id, bo.id] })).id).toBe(dm.id);
		await expectError(dee, 'channel:history', { channelId: dm.id }, 'not_found');
		await expectError(ana, 'channel:leave', { channelId: dm.id }, 'validation');
		await expectError(
			ana,
			'channel:members:add',
			{ channelId: dm.id, userIds: [cy.id] },
			'validation'
		);
		// Nobody owns a direct message; even an admin cannot name it.
		await expectError(ana, 'channel:update', { channelId: dm.id, name: 'x' }, 'forbidden');
		await expectError(admin, 'channel:update', { channelId: dm.id, name: 'x' }, 'validation');

		const extra = await server.users('E1', 'E2', 'E3', 'E4');
		const seven = [bo, cy, dee, admin, ...extra.slice(0, 3)].map((u) => u.id);
		const group = await ok(ana.socket, 'dm:open', { userIds: seven });
		expect(group.memberCount).toBe(8);
		expect((await ok(ana.socket, 'dm:open', { userIds: [ana.id, ...seven] })).id).toBe(group.id);
		await expectError(ana, 'dm:open', { userIds: [...seven, extra[3].id] }, 'validation');
		await expectError(ana, 'dm:open', { userIds: [ana.id, ...seven, extra[3].id] }, 'validation');
		await expectError(ana, 'dm:open', { userIds: [ana.id] }, 'validation');
		for (const u of extra) u.socket.disconnect();
	});
});

describe('API tokens', () => {
	it('work over REST for listing, reading, catching up, posting, editing, reacting and deleting', async () => {
		const { id, message } = await setup('private', 'bots');
		const created = await rest<{ token: string }>(bo, 'POST', '/tokens', { name: 'bot' });
		const bot = new HttpClient(server.url);
		const api = <T>(method: string, path: string, body?: unknown, token = created.body.token) =>
			bot.json<T>(`/api/v1${path}`, { method, body, token });

		const list = await api<{ channels: { id: string }[] }>('GET', '/channels');
		expect(list.body.channels.map((c) => c.id)).toContain(id);
		const posted = await api<MessageDto>('POST', `/channels/${id}/messages`, {
			clientId: clientId(),
			body: 'from a bot'
		});
		expect(posted).toMatchObject({
			status: 201,
			body: { body: 'from a bot', author: { id: bo.id } }
		});
		const page = await api<{ messages: MessageDto[] }>('GET', `/channels/${id}/messages`);
		expect(page.body.messages.map((m) => m.id)).toEqual([message.id, posted.body.id]);
		const changes = await api<{ messages: MessageDto[] }>(
			'GET',
			`/channels/${id}/changes?since=${message.version}`
		);
		expect(changes.body.messages.map((m) => m.id)).toEqual([posted.body.id]);
		expect(
			(await api<MessageDto>('PATCH', `/messages/${posted.body.id}`, { body: 'edited' })).body.body
		).toBe('edited');
		const reacted = await api<MessageDto>('POST', `/messages/${message.id}/reactions`, {
			emoji: '🤖'
		});
		expect(reacted.body.reactions).toEqual([{ emoji: '🤖', count: 1, userIds: [bo.id] }]);
		expect(await api<MessageDto>('DELETE', `/messages/${posted.body.id}`)).toMatchObject({
			status: 200,
			body: { id: posted.body.id, body: '', deletedAt: expect.any(String) }
		});
		expect((await api('GET', '/channels', undefined, 'prl_not-a-real-token')).status).toBe(401);
		expect((await bot.json('/api/v1/channels')).status).toBe(401);
	});
});
