import { describe, expect, it } from 'vitest';
import {
	call,
	clientId,
	flush,
	ok,
	record,
	RELAXED_LIMITS,
	type TestUser
} from './helpers/channels.ts';
import { AnswerAssembler, ChatDb, fakeTokens, newChat, until } from './helpers/chats.ts';
import type { FakeOpenAI } from './fakes/openai.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenAI;
let ana: TestUser;
let db: ChatDb;

useParley({ env: RELAXED_LIMITS, fakeProvider: true }, async (kit) => {
	fake = kit.provider;
	ana = await kit.user('Ana');
	await kit.setUpProvider(ana);
	db = kit.own(await ChatDb.open(kit));
});

function requestFor(marker: string) {
	return fake.requests.find(
		(r) => r.body.stream && r.body.messages?.some((m) => m.content.includes(marker))
	);
}

describe('stopping an answer', () => {
	it('cancels the provider request, keeps the partial text and records usage as stopped', async () => {
		const tab = new AnswerAssembler(ana.socket);
		const chatId = await newChat(ana);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Stop me [[tokens=500 delay=10 reasoning=3]]',
			parentId: null,
			clientId: clientId()
		});
		await until(() => (tab.texts.get(assistant.id)?.content.length ?? 0) > 60, 'some text');
		expect(requestFor('Stop me')?.aborted).toBe(false);

		const stopped = await ok(ana.socket, 'chat:stop', { messageId: assistant.id });
		const deltasAfter = record(ana.socket, 'chat:delta');
		expect(stopped.status).toBe('stopped');
		expect(stopped.error).toBeNull();
		expect(stopped.content.length).toBeGreaterThan(60);
		expect(stopped.content.length).toBeLessThan(fakeTokens(500).length);
		expect(fakeTokens(500).startsWith(stopped.content)).toBe(true);
		expect(stopped.reasoning).toBe(fakeTokens(3, 'r'));

		// The provider saw the request cancelled; no delta arrives after the stop was acknowledged.
		await until(() => requestFor('Stop me')?.aborted, 'the provider to see the cancel', 2000);
		expect(requestFor('Stop me')?.finished).toBe(false);
		await new Promise((r) => setTimeout(r, 150));
		await flush(ana.socket);
		expect(deltasAfter.events).toEqual([]);
		deltasAfter.stop();
		expect(await tab.final(assistant.id)).toEqual(stopped);
		expect(tab.texts.get(assistant.id)?.content).toBe(stopped.content);

		// Persisted as stopped, with the text the user saw.
		const row = await db.message(assistant.id);
		expect(row).toMatchObject({
			status: 'stopped',
			content: stopped.content,
			reasoning: stopped.reasoning,
			error: null,
			tokensEstimated: true
		});
		expect(row?.durationMs).toBeGreaterThan(0);
		expect(row?.ttftMs).not.toBeNull();

		// One usage row, stopped, with counts estimated from the text (the provider sent no usage).
		const usage = await db.usage(assistant.id);
		expect(usage).toMatchObject({
			userId: ana.id,
			chatId,
			status: 'stopped',
			tokensEstimated: true,
			completionTokens: Math.ceil((stopped.reasoning + stopped.content).length / 4)
		});
		expect(usage?.promptTokens).toBeGreaterThan(0);
		expect(usage?.costUsd).toBeGreaterThan(0);
	});

	it('stopping an answer that is not streaming answers not_streaming and changes nothing', async () => {
		const tab = new AnswerAssembler(ana.socket);
		const chatId = await newChat(ana);
		const { user, assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Short [[tokens=5]]',
			parentId: null,
			clientId: clientId()
		});
		const done = await tab.final(assistant.id);
		expect(done.status).toBe('done');
		const before = await db.messages(chatId);
		const usageBefore = await db.usage(assistant.id);

		for (const messageId of [assistant.id, user.id]) {
			const result = await call(ana.socket, 'chat:stop', { messageId });
			expect(result).toEqual({
				ok: false,
				error: { code: 'not_streaming', message: 'This answer is not streaming.' }
			});
		}
		expect(await db.messages(chatId)).toEqual(before);
		expect(await db.usage(assistant.id)).toEqual(usageBefore);
		expect((await db.usage(assistant.id))?.status).toBe('done');
	});

	it('stopping twice: the answer ends once, a late stop answers not_streaming', async () => {
		const tab = new AnswerAssembler(ana.socket);
		const chatId = await newChat(ana);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Twice [[tokens=300 delay=10]]',
			parentId: null,
			clientId: clientId()
		});
		await until(() => tab.texts.get(assistant.id)?.content, 'the first token');
		// Two tabs press Stop together: each sees it stopped, or not streaming any more.
		const both = await Promise.all([
			call(ana.socket, 'chat:stop', { messageId: assistant.id }),
			call(ana.socket, 'chat:stop', { messageId: assistant.id })
		]);
		const outcomes = both.map((r) => (r.ok ? r.data.status : r.error.code));
		expect(outcomes).toContain('stopped');
		for (const outcome of outcomes) expect(['stopped', 'not_streaming']).toContain(outcome);
		const late = await call(ana.socket, 'chat:stop', { messageId: assistant.id });
		expect(late.ok ? 'ok' : late.error.code).toBe('not_streaming');
		expect((await db.usage(assistant.id))?.status).toBe('stopped');
		expect((await db.message(assistant.id))?.status).toBe('stopped');
		expect(await db.messages(chatId)).toHaveLength(2);
	});

	it('continuing a stopped answer from two tabs at once resumes it once', async () => {
		const tab = new AnswerAssembler(ana.socket);
		const chatId = await newChat(ana);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Resume once [[tokens=300 delay=5]]',
			parentId: null,
			clientId: clientId()
		});
		await until(() => tab.texts.get(assistant.id)?.content, 'the first token');
		const stopped = await ok(ana.socket, 'chat:stop', { messageId: assistant.id });
		const streamsBefore = fake.requests.filter((r) => r.body.stream).length;
		const results = await Promise.all([
			call(ana.socket, 'chat:continue', { messageId: assistant.id }),
			call(ana.socket, 'chat:continue', { messageId: assistant.id })
		]);
		expect(results.map((r) => (r.ok ? r.data.status : r.error.code)).sort()).toEqual([
			'conflict',
			'streaming'
		]);
		await until(
			() => fake.requests.filter((r) => r.body.stream).length > streamsBefore,
			'a request'
		);
		const final = await ok(ana.socket, 'chat:stop', { messageId: assistant.id });
		expect(final.status).toBe('stopped');
		expect(final.content.startsWith(stopped.content)).toBe(true);
		await new Promise((r) => setTimeout(r, 100));
		expect(fake.requests.filter((r) => r.body.stream).length).toBe(streamsBefore + 1);
	});
});
