import { describe, expect, it } from 'vitest';
import { Outbox } from '#lib/client/channels/outbox.ts';
import type { MessageDto } from '#lib/shared/channels.ts';
import { connected, type TestSocket } from './helpers/client.ts';
import {
	clientId,
	flush,
	ok,
	record,
	RELAXED_LIMITS,
	rest,
	type TestUser
} from './helpers/channels.ts';
import { drained, socketTransport } from './helpers/transport.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser;
let bo: TestUser;
let anaTab2: TestSocket;

useParley({ env: RELAXED_LIMITS }, async (kit) => {
	await kit.account('Admin');
	[ana, bo] = await kit.users('Ana', 'Bo');
	anaTab2 = await kit.tab(ana);
});

async function channel(name: string) {
	return ok(ana.socket, 'channel:create', { kind: 'public', name, memberIds: [bo.id] });
}

/** Every top-level message, oldest first, and the channel's version. */
async function stored(channelId: string) {
	const page = await ok(bo.socket, 'channel:history', { channelId, limit: 200 });
	return { messages: page.messages, version: page.version };
}

describe('a send retried with the same client id', () => {
	it('over the socket creates one message and changes nothing the second time', async () => {
		const { id } = await channel('socket-retry');
		const payload = { channelId: id, clientId: clientId(), body: 'once' };
		const first = await ok(ana.socket, 'message:send', payload);
		const before = await stored(id);
		const changes = record(bo.socket, 'channel:change');
		const again = await ok(anaTab2, 'message:send', payload);
		expect(again).toEqual(first);
		await flush(bo.socket);
		expect(changes.events).toEqual([]); // nothing new to announce
		changes.stop();
		expect(await stored(id)).toEqual(before);
		expect(before.messages.map((m) => m.id)).toEqual([first.id]);
	});

	it('over REST (and across REST and the socket) returns the original message', async () => {
		const { id } = await channel('rest-retry');
		const body = { clientId: clientId(), body: 'posted by a bot' };
		const first = await rest<MessageDto>(ana, 'POST', `/channels/${id}/messages`, body);
		expect(first.status).toBe(201);
		const again = await rest<MessageDto>(ana, 'POST', `/channels/${id}/messages`, body);
		expect(again.body).toEqual(first.body);
		const viaSocket = await ok(ana.socket, 'message:send', { channelId: id, ...body });
		expect(viaSocket).toEqual(first.body);
		expect((await stored(id)).messages.map((m) => m.id)).toEqual([first.body.id]);
	});

	it('sent concurrently from two tabs and over REST creates one message', async () => {
		const { id } = await channel('concurrent');
		const rounds = 10;
		for (let round = 0; round < rounds; round++) {
			const payload = { channelId: id, clientId: clientId(), body: `round ${round}` };
			const results = await Promise.all([
				ok(ana.socket, 'message:send', payload),
				ok(anaTab2, 'message:send', payload),
				ok(ana.socket, 'message:send', payload),
				rest<MessageDto>(ana, 'POST', `/channels/${id}/messages`, payload).then((r) => r.body)
			]);
			for (const result of results) expect(result).toEqual(results[0]);
		}
		const { messages, version } = await stored(id);
		expect(messages.map((m) => m.body)).toEqual(
			Array.from({ length: rounds }, (_, i) => `round ${i}`)
		);
		expect(version).toBe(1 + rounds); // creation, then one version per message
	});

	it('as a thread reply counts once on the root', async () => {
		const { id } = await channel('reply-retry');
		const root = await ok(bo.socket, 'message:send', {
			channelId: id,
			clientId: clientId(),
			body: 'root'
		});
		const payload = { channelId: id, clientId: clientId(), body: 'reply', parentId: root.id };
		await Promise.all([
			ok(ana.socket, 'message:send', payload),
			ok(anaTab2, 'message:send', payload)
		]);
		await ok(ana.socket, 'message:send', payload);
		const thread = await ok(bo.socket, 'thread:history', { messageId: root.id });
		expect(thread.parent.replyCount).toBe(1);
		expect(thread.replies.map((m) => m.body)).toEqual(['reply']);
	});

	it('is the same person’s: another author’s client id of the same value is a new message', async () => {
		const { id } = await channel('per-author');
		const payload = { channelId: id, clientId: clientId(), body: 'same id' };
		const fromAna = await ok(ana.socket, 'message:send', payload);
		const fromBo = await ok(bo.socket, 'message:send', payload);
		expect(fromBo.id).not.toBe(fromAna.id);
		expect((await stored(id)).messages).toHaveLength(2);
	});
});

describe('the outbox over a connection that drops', () => {
	it('delivers 20 queued messages exactly once, in order, when cut off mid-send', async () => {
		const { id } = await channel('outbox-cut');
		const socket = ana.http.socket();
		await connected(socket);
		const sent: string[] = [];
		let acks = 0;
		let cutNextSend = false;
		const outbox = new Outbox(socketTransport(socket), {
			onSent: (m) => {
				sent.push(m.body);
				if (++acks === 5) cutNextSend = true;
			},
			onChange: () => {
				if (!cutNextSend || !outbox.items.some((i) => i.status === 'sending')) return;
				cutNextSend = false;
				// The 6th send is on the wire; drop the connection before its ack comes back.
				setImmediate(() => socket.disconnect());
			}
		});
		const bodies = Array.from({ length: 20 }, (_, i) => `queued ${i + 1}`);
		for (const body of bodies) outbox.send(id, body);

		await new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
		expect(acks).toBe(5);
		expect(outbox.items).toHaveLength(15);
		outbox.send(id, 'queued 21, while offline');
		socket.connect();
		await drained(outbox);

		const { messages } = await stored(id);
		expect(messages.map((m) => m.body)).toEqual([...bodies, 'queued 21, while offline']);
		expect(sent).toEqual(messages.map((m) => m.body));
		expect(new Set(messages.map((m) => m.clientId)).size).toBe(21);
		outbox.destroy();
		socket.disconnect();
	});

	it('keeps order across two drops of the underlying transport', async () => {
		const { id } = await channel('outbox-drops');
		const socket = ana.http.socket();
		await connected(socket);
		let acks = 0;
		const outbox = new Outbox(socketTransport(socket), {
			onSent: () => {
				acks += 1;
				// A network failure: the transport closes without a goodbye to the server.
				if (acks === 3 || acks === 9) setImmediate(() => socket.io.engine.close());
			}
		});
		const reconnect = () => setTimeout(() => socket.connect(), 50);
		socket.on('disconnect', reconnect);
		const bodies = Array.from({ length: 15 }, (_, i) => `drop ${i + 1}`);
		for (const body of bodies) outbox.send(id, body);
		await drained(outbox);
		socket.off('disconnect', reconnect);
		expect((await stored(id)).messages.map((m) => m.body)).toEqual(bodies);
		outbox.destroy();
		socket.disconnect();
	});
});
