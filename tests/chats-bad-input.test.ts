import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '#lib/shared/errors.ts';
import { call, clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, ChatDb, newChat, until } from './helpers/chats.ts';
import type { FakeOpenAI } from './fakes/openai.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenAI;
let ana: TestUser;
let bo: TestUser;
let db: ChatDb;
let modelIds: string[];

const UNKNOWN = '0190a6f4-0000-7000-8000-000000000000';

const env = { ...RELAXED_LIMITS, CHAT_PROMPT_MAX_CHARS: '100', CHAT_MAX_CONCURRENT_PER_USER: '2' };
const server = useParley({ env, fakeProvider: true }, async (kit) => {
	fake = kit.provider;
	ana = await kit.user('Ana');
	await kit.setUpProvider(ana);
	modelIds = (await ok(ana.socket, 'models:list', {})).models.map((m) => m.id);
	bo = await kit.user('Bo');
	db = kit.own(await ChatDb.open(kit));
});

/** Expects `attempt` to fail with `code` and to write no chat message and no usage row. */
async function refused(code: ErrorCode, attempt: () => ReturnType<typeof call>) {
	const messages = await db.messageCount();
	const usage = await db.usageCount();
	const streams = () => fake.requests.filter((r) => r.body.stream).length;
	const requests = streams();
	const result = await attempt();
	expect(result.ok ? 'ok' : result.error.code).toBe(code);
	expect(await db.messageCount()).toBe(messages);
	expect(await db.usageCount()).toBe(usage);
	expect(streams()).toBe(requests);
	return result.ok ? '' : result.error.message;
}

function send(user: TestUser, chatId: string, content: string, extra: { modelId?: string } = {}) {
	return call(user.socket, 'chat:send', {
		chatId,
		content,
		parentId: null,
		clientId: clientId(),
		...extra
	});
}

describe('prompts the server refuses', () => {
	it('empty or blank → empty_prompt', async () => {
		const chatId = await newChat(ana);
		for (const content of ['', '   ', '\n\t \n']) {
			await refused('empty_prompt', () => send(ana, chatId, content));
		}
		// An edit to an empty message is refused the same way.
		const tab = new AnswerAssembler(ana.socket);
		const sent = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Hi [[tokens=2]]',
			parentId: null,
			clientId: clientId()
		});
		await tab.final(sent.assistant.id);
		await refused('empty_prompt', () =>
			call(ana.socket, 'chat:edit', { messageId: sent.user.id, content: ' ', clientId: clientId() })
		);
	});

	it('over CHAT_PROMPT_MAX_CHARS → prompt_too_long; exactly the limit is fine', async () => {
		const chatId = await newChat(ana);
		const message = await refused('prompt_too_long', () => send(ana, chatId, 'x'.repeat(101)));
		expect(message).toMatch(/at most 100 characters \(this one has 101\)/);
		const tab = new AnswerAssembler(ana.socket);
		const atLimit = await send(ana, chatId, `${'y'.repeat(87)} [[tokens=2]]`);
		expect(atLimit.ok).toBe(true);
		if (atLimit.ok) await tab.final(atLimit.data.assistant.id);
	});

	it('an unknown or disabled model → model_unavailable', async () => {
		const chatId = await newChat(ana);
		await refused('model_unavailable', () => send(ana, chatId, 'Hi', { modelId: UNKNOWN }));
		const [, second] = modelIds;
		await ana.http.json(`/api/v1/admin/models/${second}`, {
			method: 'PATCH',
			body: { enabled: false }
		});
		const message = await refused('model_unavailable', () =>
			send(ana, chatId, 'Hi', { modelId: second })
		);
		expect(message).toMatch(/is disabled/);
		// A chat whose own model was disabled cannot answer either, nor regenerate with it.
		const other = (await ok(ana.socket, 'chat:create', { modelId: modelIds[0] })).id;
		const tab = new AnswerAssembler(ana.socket);
		const sent = await ok(ana.socket, 'chat:send', {
			chatId: other,
			content: 'Hi [[tokens=2]]',
			parentId: null,
			clientId: clientId()
		});
		await tab.final(sent.assistant.id);
		await refused('model_unavailable', () =>
			call(ana.socket, 'chat:regenerate', { messageId: sent.assistant.id, modelId: second })
		);
		// A disabled provider takes all its models with it.
		const providerId = (
			await ana.http.json<{ providers: { id: string }[] }>('/api/v1/admin/providers')
		).body.providers[0].id;
		await ana.http.json(`/api/v1/admin/providers/${providerId}`, {
			method: 'PATCH',
			body: { enabled: false }
		});
		await refused('model_unavailable', () => send(ana, other, 'Hi again'));
		await ana.http.json(`/api/v1/admin/providers/${providerId}`, {
			method: 'PATCH',
			body: { enabled: true }
		});
	});
});

describe('requests on the wrong things', () => {
	const chats = () => call(ana.socket, 'chats:list', {});

	it('creating a chat with an unknown or disabled model → model_unavailable, nothing written', async () => {
		const before = await chats();
		const errors = server.logs.filter((l) => Number(l.level) >= 50).length;
		const unknown = await call(ana.socket, 'chat:create', { modelId: UNKNOWN });
		expect(unknown).toMatchObject({ ok: false, error: { code: 'model_unavailable' } });
		const [, second] = modelIds;
		const patch = (enabled: boolean) =>
			ana.http.json(`/api/v1/admin/models/${second}`, { method: 'PATCH', body: { enabled } });
		await patch(false);
		try {
			const disabled = await call(ana.socket, 'chat:create', { modelId: second });
			expect(disabled).toMatchObject({ ok: false, error: { code: 'model_unavailable' } });
			if (!disabled.ok) expect(disabled.error.message).toMatch(/is disabled\. Pick another model/);
		} finally {
			await patch(true);
		}
		expect(await chats()).toEqual(before);
		// No foreign-key failure reached the log.
		expect(server.logs.filter((l) => Number(l.level) >= 50).length).toBe(errors);
		// An enabled model still works.
		expect((await call(ana.socket, 'chat:create', { modelId: second })).ok).toBe(true);
	});

	it('continuing a finished answer → conflict, and no provider request', async () => {
		const chatId = await newChat(ana);
		const tab = new AnswerAssembler(ana.socket);
		const sent = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Hi [[tokens=2]]',
			parentId: null,
			clientId: clientId()
		});
		expect((await tab.final(sent.assistant.id)).status).toBe('done');
		const before = await db.message(sent.assistant.id);
		const result = await refused('conflict', () =>
			call(ana.socket, 'chat:continue', { messageId: sent.assistant.id })
		);
		expect(result).toMatch(/complete/);
		expect(await db.message(sent.assistant.id)).toEqual(before);
		// A question is not an answer either.
		await refused('bad_request', () =>
			call(ana.socket, 'chat:continue', { messageId: sent.user.id })
		);
	});

	it('renaming a provider to a taken name over REST → 409 with a field message', async () => {
		const list = async () =>
			(
				await ana.http.json<{ providers: { id: string; name: string }[] }>(
					'/api/v1/admin/providers'
				)
			).body.providers;
		const created = await ana.http.json<{ id: string }>('/api/v1/admin/providers', {
			method: 'POST',
			body: { name: 'Second provider', baseUrl: fake.url }
		});
		const taken = (await list()).find((p) => p.id !== created.body.id)?.name;
		const renamed = await ana.http.json(`/api/v1/admin/providers/${created.body.id}`, {
			method: 'PATCH',
			body: { name: taken }
		});
		expect(renamed.status).toBe(409);
		expect(renamed.body).toEqual({
			error: {
				code: 'conflict',
				message: 'A provider with this name exists.',
				fields: { name: 'A provider with this name exists.' }
			}
		});
		expect((await list()).find((p) => p.id === created.body.id)?.name).toBe('Second provider');
		// Keeping its own name is no clash.
		const same = await ana.http.json(`/api/v1/admin/providers/${created.body.id}`, {
			method: 'PATCH',
			body: { name: 'Second provider', baseUrl: fake.url }
		});
		expect(same.status).toBe(200);
		await ana.http.json(`/api/v1/admin/providers/${created.body.id}`, { method: 'DELETE' });
	});
});

describe('idempotency', () => {
	it('the same clientId twice returns the same pair and writes it once', async () => {
		const chatId = await newChat(ana);
		const tab = new AnswerAssembler(ana.socket);
		const payload = { chatId, content: 'Once [[tokens=3]]', parentId: null, clientId: clientId() };
		const first = await ok(ana.socket, 'chat:send', payload);
		const again = await ok(ana.socket, 'chat:send', payload);
		expect(again.user.id).toBe(first.user.id);
		expect(again.assistant.id).toBe(first.assistant.id);
		await tab.final(first.assistant.id);
		const late = await ok(ana.socket, 'chat:send', payload);
		expect([late.user.id, late.assistant.id]).toEqual([first.user.id, first.assistant.id]);
		expect(await db.messages(chatId)).toHaveLength(2);
		expect(
			fake.requests.filter(
				(r) => r.body.stream && r.body.messages?.at(-1)?.content === 'Once [[tokens=3]]'
			)
		).toHaveLength(1);
	});

	it('a retry that overlaps the first send gets the same pair, not an error', async () => {
		const chatId = await newChat(ana);
		const tab = new AnswerAssembler(ana.socket);
		const payload = {
			chatId,
			content: 'Overlap [[tokens=3]]',
			parentId: null,
			clientId: clientId()
		};
		const [a, b] = await Promise.all([
			call(ana.socket, 'chat:send', payload),
			call(ana.socket, 'chat:send', payload)
		]);
		expect(a.ok && b.ok).toBe(true);
		if (!a.ok || !b.ok) return;
		expect(b.data.user.id).toBe(a.data.user.id);
		expect(b.data.assistant.id).toBe(a.data.assistant.id);
		await tab.final(a.data.assistant.id);
		expect(await db.messages(chatId)).toHaveLength(2);
	});
});

describe('streams per user (CHAT_MAX_CONCURRENT_PER_USER=2)', () => {
	it('a third concurrent answer is refused and writes nothing; another user is unaffected', async () => {
		const tab = new AnswerAssembler(ana.socket);
		const chats = await Promise.all([newChat(ana), newChat(ana), newChat(ana)]);
		const long = '[[tokens=400 delay=10]]';
		const first = await ok(ana.socket, 'chat:send', {
			chatId: chats[0],
			content: `One ${long}`,
			parentId: null,
			clientId: clientId()
		});
		const second = await ok(ana.socket, 'chat:send', {
			chatId: chats[1],
			content: `Two ${long}`,
			parentId: null,
			clientId: clientId()
		});
		// Both are streaming (the provider has both requests) before the third is tried.
		await until(
			() => tab.texts.get(first.assistant.id) && tab.texts.get(second.assistant.id),
			'both answers to stream'
		);
		const message = await refused('too_many_streams', () => send(ana, chats[2], `Three ${long}`));
		expect(message).toMatch(/2 answers streaming/);
		// Regenerating or continuing is a stream too.
		await refused('too_many_streams', () =>
			call(ana.socket, 'chat:regenerate', { messageId: first.assistant.id })
		);

		// Bo has his own allowance.
		const boTab = new AnswerAssembler(bo.socket);
		const boChat = await newChat(bo);
		const boSent = await send(bo, boChat, 'Bo here [[tokens=3]]');
		expect(boSent.ok).toBe(true);
		if (boSent.ok) expect((await boTab.final(boSent.data.assistant.id)).status).toBe('done');

		// Once one of Ana's answers ends, she may start another.
		await ok(ana.socket, 'chat:stop', { messageId: first.assistant.id });
		const third = await send(ana, chats[2], 'Three [[tokens=3]]');
		expect(third.ok).toBe(true);
		await ok(ana.socket, 'chat:stop', { messageId: second.assistant.id });
		if (third.ok) await tab.final(third.data.assistant.id);
	});

	it('three sends at the same instant: exactly two start, the third is refused', async () => {
		const carl = await server.user('Carl');
		try {
			const tab = new AnswerAssembler(carl.socket);
			const chats = await Promise.all([newChat(carl), newChat(carl), newChat(carl)]);
			const before = await db.messageCount();
			const results = await Promise.all(
				chats.map((chatId, i) => send(carl, chatId, `Burst ${i} [[tokens=300 delay=10]]`))
			);
			const codes = results.map((r) => (r.ok ? 'ok' : r.error.code)).sort();
			expect(codes).toEqual(['ok', 'ok', 'too_many_streams']);
			expect(await db.messageCount()).toBe(before + 4);
			for (const r of results) {
				if (!r.ok) continue;
				await ok(carl.socket, 'chat:stop', { messageId: r.data.assistant.id });
				await tab.final(r.data.assistant.id);
			}
		} finally {
			carl.socket.disconnect();
		}
	});
});
