import { describe, expect, it } from 'vitest';
import type { ChatDelta } from '#lib/shared/chats.ts';
import type { ServerToClientEvents } from '#lib/shared/events.ts';
import {
	anotherTab,
	clientId,
	flush,
	ok,
	record,
	RELAXED_LIMITS,
	waitForEvent,
	type TestUser
} from './helpers/channels.ts';
import { AnswerAssembler, fakeTokens, newChat } from './helpers/chats.ts';
import type { TestSocket } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser;
let bo: TestUser;

useParley({ env: RELAXED_LIMITS, fakeProvider: true }, async (kit) => {
	ana = await kit.user('Ana'); // the first user: an admin
	await kit.setUpProvider(ana);
	bo = await kit.user('Bo');
});

const CHAT_EVENTS = ['chat:delta', 'chat:message', 'chat:updated', 'chat:deleted'] as const;

/** Records every chat event a socket receives, in arrival order. */
function recordChatEvents(socket: TestSocket) {
	const events: { event: keyof ServerToClientEvents; payload: unknown }[] = [];
	for (const event of CHAT_EVENTS) {
		socket.on(event, (payload: unknown) => void events.push({ event, payload }));
	}
	return events;
}

describe('one user, several tabs', () => {
	it('streams every delta to both tabs, in order, and nothing to another user', async () => {
		const second = await anotherTab(ana);
		const outsider = await anotherTab(bo); // Bo's second socket: two of his tabs listen
		const boEvents = recordChatEvents(bo.socket);
		const outsiderEvents = recordChatEvents(outsider);
		const deltasA = record(ana.socket, 'chat:delta');
		const deltasB = record(second, 'chat:delta');
		const tabA = new AnswerAssembler(ana.socket);
		const tabB = new AnswerAssembler(second);
		const renamed = waitForEvent(second, 'chat:updated', (c) => c.title !== 'New chat', 10_000);

		const chatId = await newChat(ana);
		const { user, assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Two tabs please [[tokens=60 delay=5 reasoning=6]]',
			parentId: null,
			clientId: clientId()
		});
		const [doneA, doneB] = await Promise.all([tabA.final(assistant.id), tabB.final(assistant.id)]);
		const expected = fakeTokens(60);
		for (const [done, tab] of [
			[doneA, tabA],
			[doneB, tabB]
		] as const) {
			expect(done.status).toBe('done');
			expect(done.content).toBe(expected);
			expect(done.reasoning).toBe(fakeTokens(6, 'r'));
			expect(tab.texts.get(assistant.id)).toEqual({ content: expected, reasoning: done.reasoning });
			expect(tab.gaps).toBe(0);
		}

		// Both tabs got the same deltas in the same order, each starting where the previous ended.
		const mine = (d: ChatDelta) => d.messageId === assistant.id;
		const a = deltasA.events.filter(mine);
		expect(deltasB.events.filter(mine)).toEqual(a);
		for (const field of ['content', 'reasoning'] as const) {
			let at = 0;
			for (const delta of a.filter((d) => d.field === field)) {
				expect(delta.offset).toBe(at);
				expect(delta.chatId).toBe(chatId);
				at += delta.text.length;
			}
		}
		const joined = (field: ChatDelta['field']) =>
			a
				.filter((d) => d.field === field)
				.map((d) => d.text)
				.join('');
		expect(joined('content')).toBe(expected);
		expect(joined('reasoning')).toBe(fakeTokens(6, 'r'));

		// The title from the first answer reaches the other tab too.
		expect((await renamed).id).toBe(chatId);

		// Bo's sockets saw nothing of it: not the messages, not a delta, not the rename.
		await Promise.all([flush(bo.socket), flush(outsider)]);
		expect(boEvents).toEqual([]);
		expect(outsiderEvents).toEqual([]);

		// And Bo's own list of chats stays empty; Ana sees the chat on both tabs.
		expect((await ok(bo.socket, 'chats:list', {})).chats).toEqual([]);
		const list = await ok(second, 'chats:list', {});
		expect(list.chats.map((c) => c.id)).toContain(chatId);
		const snapshot = await ok(second, 'chat:open', { chatId });
		expect(snapshot.messages.map((m) => m.id)).toEqual([user.id, assistant.id]);
		deltasA.stop();
		deltasB.stop();
		second.disconnect();
		outsider.disconnect();
	});

	it('events that arrive in one read go out as one delta, identical on every tab', async () => {
		const second = await anotherTab(ana);
		const deltasA = record(ana.socket, 'chat:delta');
		const deltasB = record(second, 'chat:delta');
		const tab = new AnswerAssembler(second);
		const chatId = await newChat(ana);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Batched [[tokens=40 batch=10 delay=20]]',
			parentId: null,
			clientId: clientId()
		});
		const done = await tab.final(assistant.id);
		expect(done.content).toBe(fakeTokens(40));
		expect(tab.texts.get(assistant.id)?.content).toBe(fakeTokens(40));
		const a = deltasA.events.filter((d) => d.messageId === assistant.id);
		expect(deltasB.events.filter((d) => d.messageId === assistant.id)).toEqual(a);
		// The fake writes ten events at a time: four writes, so at most a few reads, not 40 deltas.
		expect(a.length).toBeLessThanOrEqual(8);
		expect(a.map((d) => d.offset)).toEqual(
			a.map((_, i) => a.slice(0, i).reduce((n, d) => n + d.text.length, 0))
		);
		deltasA.stop();
		deltasB.stop();
		second.disconnect();
	});

	it('a stop from one tab ends the answer on every tab; the other user still sees nothing', async () => {
		const second = await anotherTab(ana);
		const boEvents = recordChatEvents(bo.socket);
		const tabA = new AnswerAssembler(ana.socket);
		const tabB = new AnswerAssembler(second);
		const chatId = await newChat(ana);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Long [[tokens=400 delay=10]]',
			parentId: null,
			clientId: clientId()
		});
		await new Promise((r) => setTimeout(r, 300));
		const stopped = await ok(second, 'chat:stop', { messageId: assistant.id });
		expect(stopped.status).toBe('stopped');
		const [a, b] = await Promise.all([tabA.final(assistant.id), tabB.final(assistant.id)]);
		expect(a).toEqual(stopped);
		expect(b).toEqual(stopped);
		expect(tabA.texts.get(assistant.id)?.content).toBe(stopped.content);
		expect(tabB.texts.get(assistant.id)?.content).toBe(stopped.content);
		await flush(bo.socket);
		expect(boEvents).toEqual([]);
		second.disconnect();
	});
});
