import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent } from './helpers/client.ts';
import { call, clientId, newUser, ok, type TestUser } from './helpers/channels.ts';
import { disposeServer, startServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let ana: TestUser;
let bo: TestUser;
let cy: TestUser;

beforeAll(async () => {
	server = await startServer();
	ana = await newUser(server.url, 'Ana');
	bo = await newUser(server.url, 'Bo');
	cy = await newUser(server.url, 'Cy');
});
afterAll(async () => {
	for (const u of [ana, bo, cy]) u?.socket.disconnect();
	await disposeServer(server);
});

describe('live delivery', () => {
	it('delivers a message to every member and to nobody else', async () => {
		const channel = await ok(ana.socket, 'channel:create', {
			kind: 'private',
			name: 'design',
			memberIds: [bo.id]
		});
		let cyGotIt = false;
		cy.socket.on('channel:change', () => (cyGotIt = true));
		const boReceives = nextEvent(bo.socket, 'channel:change');
		const sent = await ok(ana.socket, 'message:send', {
			channelId: channel.id,
			clientId: clientId(),
			body: 'Hello **team**'
		});
		const change = await boReceives;
		expect(change.channelId).toBe(channel.id);
		expect(change.messages[0]).toMatchObject({
			id: sent.id,
			body: 'Hello **team**',
			seq: sent.seq
		});
		expect(change.version).toBe(sent.version);
		await new Promise((r) => setTimeout(r, 200));
		expect(cyGotIt).toBe(false);
	});

	it('assigns strictly increasing seqs and returns the original on a retried send', async () => {
		const channel = await ok(ana.socket, 'channel:create', { kind: 'public', name: 'general' });
		const id = clientId();
		const first = await ok(ana.socket, 'message:send', {
			channelId: channel.id,
			clientId: id,
			body: 'once'
		});
		const again = await ok(ana.socket, 'message:send', {
			channelId: channel.id,
			clientId: id,
			body: 'once'
		});
		expect(again.id).toBe(first.id);
		const second = await ok(ana.socket, 'message:send', {
			channelId: channel.id,
			clientId: clientId(),
			body: 'twice'
		});
		expect(second.seq).toBeGreaterThan(first.seq);
		const history = await ok(ana.socket, 'channel:history', { channelId: channel.id });
		expect(history.messages.map((m) => m.body)).toEqual(['once', 'twice']);
	});

	it('rejects bad messages with specific codes and writes nothing', async () => {
		const channel = await ok(ana.socket, 'channel:create', { kind: 'public', name: 'rules' });
		const send = (body: string) =>
			call(ana.socket, 'message:send', { channelId: channel.id, clientId: clientId(), body });
		expect(await send('   \n ')).toMatchObject({ ok: false, error: { code: 'empty_message' } });
		expect(await send('x'.repeat(16_001))).toMatchObject({
			ok: false,
			error: { code: 'message_too_long' }
		});
		const history = await ok(ana.socket, 'channel:history', { channelId: channel.id });
		expect(history.messages).toHaveLength(0);
	});
});
