import { describe, expect, it } from 'vitest';
import type { ChatMessageDto } from '#lib/shared/chats.ts';
import { clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, ChatDb, fakeTokens } from './helpers/chats.ts';
import { type FakeOpenAI, type RecordedRequest } from './fakes/openai.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenAI;
let ana: TestUser;
let bo: TestUser;
let db: ChatDb;
let providerName: string;
let models: { id: string; remoteId: string; displayName: string }[];

const PRICES = {
	'fake-gpt': { inputPricePerMTok: 3, outputPricePerMTok: 15, displayName: 'GPT (fake)' },
	'fake-reasoner': { inputPricePerMTok: 0.5, outputPricePerMTok: 2.5, displayName: 'Reasoner' }
};

useParley({ env: RELAXED_LIMITS, fakeProvider: true }, async (kit) => {
	fake = kit.provider;
	ana = await kit.user('Ana');
	await kit.setUpProvider(ana);
	const { body } = await ana.http.json<{
		providers: { name: string; models: { id: string; remoteId: string }[] }[];
	}>('/api/v1/admin/providers');
	providerName = body.providers[0].name;
	models = [];
	for (const model of body.providers[0].models) {
		const prices = PRICES[model.remoteId as keyof typeof PRICES];
		const patched = await ana.http.json<{ displayName: string }>(
			`/api/v1/admin/models/${model.id}`,
			{ method: 'PATCH', body: prices }
		);
		expect(patched.status).toBe(200);
		models.push({ ...model, displayName: patched.body.displayName });
	}
	bo = await kit.user('Bo');
	db = kit.own(await ChatDb.open(kit));
});

/** Sends one prompt as `user` with `remoteId`'s model; returns the final answer and the provider request. */
async function ask(
	user: TestUser,
	remoteId: keyof typeof PRICES,
	content: string
): Promise<{ chatId: string; done: ChatMessageDto; request: RecordedRequest }> {
	const model = models.find((m) => m.remoteId === remoteId);
	if (!model) throw new Error(`no model ${remoteId}`);
	const tab = new AnswerAssembler(user.socket);
	const chatId = (await ok(user.socket, 'chat:create', { modelId: model.id })).id;
	const before = fake.requests.length;
	const { assistant } = await ok(user.socket, 'chat:send', {
		chatId,
		content,
		parentId: null,
		clientId: clientId()
	});
	const done = await tab.final(assistant.id);
	const request = fake.requests.slice(before).find((r) => r.body.stream);
	if (!request) throw new Error('the provider got no streaming request');
	expect(request.body.model).toBe(remoteId);
	return { chatId, done, request };
}

/** The fake's prompt count: words over all messages it was sent. */
function promptWords(request: RecordedRequest): number {
	return (request.body.messages ?? []).reduce((n, m) => n + m.content.split(/\s+/).length, 0);
}

describe('usage rows', () => {
	it('record user, chat, model, provider, the provider-reported tokens, cost and timings', async () => {
		const { chatId, done, request } = await ask(
			ana,
			'fake-gpt',
			'Count for me [[tokens=40 delay=5 firstDelay=120]]'
		);
		expect(done.status).toBe('done');
		const promptTokens = promptWords(request);
		const usage = await db.usage(done.id);
		expect(usage).toMatchObject({
			userId: ana.id,
			chatId,
			messageId: done.id,
			model: 'GPT (fake)',
			providerName,
			promptTokens,
			completionTokens: 40,
			tokensEstimated: false,
			status: 'done'
		});
		expect(usage?.costUsd).toBeCloseTo((promptTokens * 3 + 40 * 15) / 1e6, 12);
		// Time to first token includes the provider's 120 ms pause; the duration the whole stream.
		expect(usage?.ttftMs).toBeGreaterThanOrEqual(110);
		expect(usage?.durationMs).toBeGreaterThanOrEqual(usage?.ttftMs ?? Infinity);
		expect(usage?.durationMs).toBeGreaterThanOrEqual(120 + 40 * 5 - 20);
		// The message carries the same figures, as the tabs were told.
		expect(done).toMatchObject({
			modelName: 'GPT (fake)',
			promptTokens,
			completionTokens: 40,
			tokensEstimated: false,
			ttftMs: usage?.ttftMs,
			durationMs: usage?.durationMs
		});
	});

	it('one row per answer, for each user and model', async () => {
		const rowsBefore = await db.usageCount();
		const a = await ask(ana, 'fake-reasoner', 'One [[tokens=4 reasoning=2]]');
		const b = await ask(bo, 'fake-gpt', 'Two [[tokens=6]]');
		const c = await ask(bo, 'fake-reasoner', 'Three [[tokens=8]]');
		expect(await db.usageCount()).toBe(rowsBefore + 3);
		expect(await db.usage(a.done.id)).toMatchObject({
			userId: ana.id,
			model: 'Reasoner',
			completionTokens: 6,
			costUsd: (promptWords(a.request) * 0.5 + 6 * 2.5) / 1e6
		});
		expect(await db.usage(b.done.id)).toMatchObject({
			userId: bo.id,
			chatId: b.chatId,
			model: 'GPT (fake)'
		});
		expect(await db.usage(c.done.id)).toMatchObject({
			userId: bo.id,
			chatId: c.chatId,
			model: 'Reasoner'
		});
		// The title requests (not streamed) write no usage rows of their own.
		expect(fake.requests.filter((r) => !r.body.stream).length).toBeGreaterThan(0);
	});

	it('estimates the counts when the provider reports no usage, and says so', async () => {
		const { done, request } = await ask(
			ana,
			'fake-gpt',
			'No usage here [[tokens=30 reasoning=4 noUsage]]'
		);
		expect(done.status).toBe('done');
		const promptText = (request.body.messages ?? []).map((m) => m.content).join('\n');
		const promptTokens = Math.ceil(promptText.length / 4);
		const completionTokens = Math.ceil((fakeTokens(4, 'r') + fakeTokens(30)).length / 4);
		expect(await db.usage(done.id)).toMatchObject({
			promptTokens,
			completionTokens,
			tokensEstimated: true,
			costUsd: (promptTokens * 3 + completionTokens * 15) / 1e6,
			status: 'done'
		});
		expect(done).toMatchObject({ promptTokens, completionTokens, tokensEstimated: true });
	});
});

describe('reasoning', () => {
	it.each(['reasoning_content', 'reasoning'] as const)(
		'deltas in "%s" land in the reasoning, apart from the content',
		async (field) => {
			const tab = new AnswerAssembler(ana.socket);
			const { done } = await ask(
				ana,
				'fake-reasoner',
				`Think first [[tokens=10 reasoning=7 reasoningField=${field}]]`
			);
			expect(done.reasoning).toBe(fakeTokens(7, 'r'));
			expect(done.content).toBe(fakeTokens(10));
			expect(tab.texts.get(done.id)).toEqual({ reasoning: done.reasoning, content: done.content });
			expect(await db.message(done.id)).toMatchObject({
				reasoning: fakeTokens(7, 'r'),
				content: fakeTokens(10)
			});
			// The provider's count covers reasoning and content tokens.
			expect((await db.usage(done.id))?.completionTokens).toBe(17);
		}
	);
});
