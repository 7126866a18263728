import { describe, expect, it } from 'vitest';
import { anotherTab, clientId, ok, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, newChat } from './helpers/chats.ts';
import type { FakeOpenAI } from './fakes/openai.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenAI;
let admin: TestUser;

useParley({ fakeProvider: true }, async (kit) => {
	fake = kit.provider;
	admin = await kit.user('Admin');
	await kit.setUpProvider(admin);
});

describe('streaming an answer', () => {
	it('streams to every tab of the user and persists the full answer with usage', async () => {
		const second = await anotherTab(admin);
		const tabA = new AnswerAssembler(admin.socket);
		const tabB = new AnswerAssembler(second);
		const chatId = await newChat(admin);
		const { assistant } = await ok(admin.socket, 'chat:send', {
			chatId,
			content: 'Hello [[tokens=30 delay=5 reasoning=3]]',
			parentId: null,
			clientId: clientId()
		});
		const done = await tabA.final(assistant.id);
		const expected = Array.from({ length: 30 }, (_, i) => `t${i} `).join('');
		expect(done.status).toBe('done');
		expect(done.content).toBe(expected);
		expect(done.reasoning).toBe('r0 r1 r2 ');
		expect(tabA.texts.get(assistant.id)?.content).toBe(expected);
		expect(tabB.texts.get(assistant.id)?.content).toBe(expected);
		expect(done.completionTokens).toBe(33);
		expect(done.tokensEstimated).toBe(false);
		const snapshot = await ok(admin.socket, 'chat:open', { chatId });
		expect(snapshot.messages.find((m) => m.id === assistant.id)?.content).toBe(expected);
		second.disconnect();
	});

	it('stop ends the answer at once and the provider sees the request cancelled', async () => {
		const tab = new AnswerAssembler(admin.socket);
		const chatId = await newChat(admin);
		const { assistant } = await ok(admin.socket, 'chat:send', {
			chatId,
			content: 'Long one [[tokens=500 delay=20]]',
			parentId: null,
			clientId: clientId()
		});
		await new Promise((r) => setTimeout(r, 200));
		const stopped = await ok(admin.socket, 'chat:stop', { messageId: assistant.id });
		expect(stopped.status).toBe('stopped');
		expect(stopped.content.length).toBeGreaterThan(0);
		expect(stopped.content.length).toBeLessThan(500 * 4);
		await tab.final(assistant.id);
		await new Promise((r) => setTimeout(r, 100));
		const request = fake.requests.find((r) =>
			r.body.messages?.some((m) => m.content.includes('Long one'))
		);
		expect(request?.aborted).toBe(true);
	});
});
