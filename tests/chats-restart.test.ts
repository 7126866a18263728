import { describe, expect, it } from 'vitest';
import type { ChatMessageDto } from '#lib/shared/chats.ts';
import { clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, ChatDb, fakeTokens, newChat, until } from './helpers/chats.ts';
import { logMessages } from './helpers/server.ts';
import type { FakeOpenAI } from './fakes/openai.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenAI;
let ana: TestUser;

const INTERRUPTED = 'The server restarted while this answer was being written.';

const server = useParley({ env: RELAXED_LIMITS, fakeProvider: true }, async (kit) => {
	fake = kit.provider;
	ana = await kit.user('Ana');
	await kit.setUpProvider(ana);
});

/** Starts the server again on the same data; Ana's session cookie still holds, her socket is new. */
const restart = () => server.restart();

/** Sends a long answer and waits until a good part of it arrived (and was saved at least twice). */
async function longAnswer(content: string) {
	const tab = new AnswerAssembler(ana.socket);
	const chatId = await newChat(ana);
	const sent = await ok(ana.socket, 'chat:send', {
		chatId,
		content,
		parentId: null,
		clientId: clientId()
	});
	await until(() => (tab.texts.get(sent.assistant.id)?.content.length ?? 0) > 300, 'some text');
	await new Promise((r) => setTimeout(r, 600));
	return { chatId, ...sent, seen: tab.texts.get(sent.assistant.id)?.content ?? '' };
}

describe('a restart in the middle of an answer', () => {
	it('SIGKILL: the answer is interrupted with its saved prefix, can be continued and regenerated', async () => {
		const TOKENS = 300;
		const expected = fakeTokens(TOKENS);
		const { chatId, user, assistant, seen } = await longAnswer(
			`Crash during this [[tokens=${TOKENS} delay=10]]`
		);
		await server.kill();
		await restart();
		expect(logMessages(server)).toContain('marked answers cut off by a restart as interrupted');

		// The text saved before the crash is kept: a non-empty prefix of the answer, at most what
		// the tab saw (writes are throttled, so a little at the end may be lost).
		const snapshot = await ok(ana.socket, 'chat:open', { chatId });
		const found = snapshot.messages.find((m) => m.id === assistant.id);
		if (!found) throw new Error('the answer is gone');
		const kept: ChatMessageDto = found;
		expect(found).toMatchObject({
			status: 'interrupted',
			error: INTERRUPTED,
			tokensEstimated: true
		});
		const prefix = kept.content;
		expect(prefix.length).toBeGreaterThan(0);
		expect(expected.startsWith(prefix)).toBe(true);
		expect(prefix.length).toBeLessThanOrEqual(seen.length);
		expect(prefix.length).toBeLessThan(expected.length);
		expect(snapshot.messages.map((m) => m.id)).toEqual([user.id, assistant.id]);

		const db = await ChatDb.open(server);
		try {
			expect(await db.usage(assistant.id)).toMatchObject({
				userId: ana.id,
				chatId,
				status: 'interrupted',
				tokensEstimated: true,
				completionTokens: Math.ceil(prefix.length / 4)
			});
			expect((await db.usage(assistant.id))?.model).toBe(kept.modelName);
			expect((await db.usage(assistant.id))?.providerName).toMatch(/^fake-/);

			// Continue: the provider gets the kept text as the assistant's turn and the answer goes on.
			const tab = new AnswerAssembler(ana.socket);
			tab.seed({ ...kept, status: 'streaming' });
			const requests = fake.requests.length;
			const resumed = await ok(ana.socket, 'chat:continue', { messageId: assistant.id });
			expect(resumed).toMatchObject({ id: assistant.id, status: 'streaming', content: prefix });
			const done = await tab.final(assistant.id, 20_000);
			expect(done.status).toBe('done');
			expect(done.error).toBeNull();
			expect(done.content.startsWith(prefix)).toBe(true);
			expect(done.content).toBe(prefix + expected);
			expect(tab.texts.get(assistant.id)?.content).toBe(done.content);
			const continued = fake.requests.slice(requests).find((r) => r.body.stream);
			expect(continued?.body.messages?.at(-1)).toEqual({ role: 'assistant', content: prefix });
			expect(await db.message(assistant.id)).toMatchObject({
				status: 'done',
				content: done.content
			});
			const usage = await db.usage(assistant.id);
			expect(usage?.status).toBe('done');
			expect(usage?.completionTokens).toBeGreaterThan(Math.ceil(prefix.length / 4));
			expect(await db.usageCount()).toBe(1);

			// Regenerate: a sibling answer to the same question, which becomes the current branch.
			const sibling = await ok(ana.socket, 'chat:regenerate', { messageId: assistant.id });
			expect(sibling.id).not.toBe(assistant.id);
			expect(sibling.parentId).toBe(user.id);
			expect(sibling.status).toBe('streaming');
			expect((await db.chat(chatId))?.currentLeafId).toBe(sibling.id);
			await ok(ana.socket, 'chat:stop', { messageId: sibling.id });
			const rows = await db.messages(chatId);
			expect(rows.map((r) => r.id)).toEqual([user.id, assistant.id, sibling.id]);
			expect(rows.find((r) => r.id === assistant.id)?.content).toBe(done.content);
		} finally {
			await db.close();
		}
	});

	it('SIGTERM: a graceful shutdown marks the answer interrupted and keeps all its text', async () => {
		const TOKENS = 1500;
		const expected = fakeTokens(TOKENS);
		const { chatId, assistant, seen } = await longAnswer(
			`Shut down during this [[tokens=${TOKENS} delay=10]]`
		);
		expect(await server.stop()).toBe(0);
		const marker = fake.requests.find((r) =>
			r.body.messages?.some((m) => m.content.includes('Shut down during this'))
		);
		expect(marker?.aborted).toBe(true);
		await restart();
		// Nothing was left streaming, so there was nothing to recover on start.
		expect(logMessages(server)).not.toContain('marked answers cut off by a restart as interrupted');

		const snapshot = await ok(ana.socket, 'chat:open', { chatId });
		const kept = snapshot.messages.find((m) => m.id === assistant.id);
		expect(kept).toMatchObject({ status: 'interrupted', error: INTERRUPTED });
		const text = kept?.content ?? '';
		// Everything the server had received is saved: at least what the tab saw before the sockets closed.
		expect(expected.startsWith(text)).toBe(true);
		expect(text.length).toBeGreaterThanOrEqual(seen.length);
		expect(text.length).toBeLessThan(expected.length);
		const db = await ChatDb.open(server);
		try {
			expect(await db.usage(assistant.id)).toMatchObject({
				status: 'interrupted',
				completionTokens: Math.ceil(text.length / 4)
			});
		} finally {
			await db.close();
		}
	});
});
