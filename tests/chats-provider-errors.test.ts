import { describe, expect, it } from 'vitest';
import { clientId, ok, RELAXED_LIMITS, waitForEvent, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, ChatDb, fakeTokens, newChat } from './helpers/chats.ts';
import type { FakeOpenAI } from './fakes/openai.ts';
import { useParley } from './helpers/kit.ts';
import { closedPort } from './helpers/server.ts';

let fake: FakeOpenAI;
let ana: TestUser;
let db: ChatDb;
/** A port nothing listens on, allowed like the fake so the test sees "could not reach". */
let downPort: number;

const server = useParley(
	async () => {
		downPort = await closedPort();
		const env = {
			...RELAXED_LIMITS,
			CHAT_FIRST_TOKEN_TIMEOUT_MS: '1500',
			CHAT_STALL_TIMEOUT_MS: '1500'
		};
		return { env, fakeProvider: true, allow: [downPort] };
	},
	async (kit) => {
		fake = kit.provider;
		ana = await kit.user('Ana');
		await kit.setUpProvider(ana);
		db = kit.own(await ChatDb.open(kit));
	}
);

/** Sends a prompt in a new chat and waits for the answer to end; checks the chat stays two rows. */
async function failing(content: string, modelId?: string) {
	const tab = new AnswerAssembler(ana.socket);
	const chatId = await newChat(ana);
	const { user, assistant } = await ok(ana.socket, 'chat:send', {
		chatId,
		content,
		parentId: null,
		clientId: clientId(),
		modelId
	});
	const done = await tab.final(assistant.id, 10_000);
	const rows = await db.messages(chatId);
	expect(rows.map((r) => [r.id, r.role])).toEqual([
		[user.id, 'user'],
		[assistant.id, 'assistant']
	]);
	expect(rows[1]).toMatchObject({ status: done.status, content: done.content, error: done.error });
	expect((await db.chat(chatId))?.currentLeafId).toBe(assistant.id);
	expect((await db.usage(assistant.id))?.status).toBe(done.status);
	expect(tab.texts.get(assistant.id)?.content ?? '').toBe(done.content);
	const request = fake.requests.find((r) =>
		r.body.messages?.some((m) => m.role === 'user' && m.content === content)
	);
	return { done, request };
}

describe('a provider that fails', () => {
	it.each([
		['an HTML page', '[[html]]', /web page, not an OpenAI-compatible API.*\/v1/],
		['text that is no event stream', '[[garbage]]', /neither an event stream nor JSON/],
		['401', '[[fail=401]]', /^The provider refused the API key \(401\)\.$/],
		[
			'429',
			'[[fail=429]]',
			/^The provider is rate limiting requests \(429\)\. Try again shortly\.$/
		],
		['500', '[[fail=500]]', /^The provider failed \(500\)\.$/]
	])('answering with %s ends the answer with a clear error', async (_, directive, message) => {
		const { done } = await failing(`Hello ${directive}`);
		expect(done.status).toBe('error');
		expect(done.error).toMatch(message);
		expect(done.content).toBe('');
	});

	it('members see the status only; what the provider said goes to the log for admins', async () => {
		const { done } = await failing('Hello again [[fail=401]]');
		expect(done.error).toBe('The provider refused the API key (401).');
		await expect
			.poll(() =>
				server.logs.some(
					(l) =>
						l.msg === 'answer failed: The provider refused the API key (401): Simulated failure 401'
				)
			)
			.toBe(true);
	});

	it('an error object mid-stream keeps the text so far', async () => {
		const { done } = await failing('Crash [[tokens=20 errorAfter=6]]');
		expect(done.status).toBe('error');
		expect(done.error).toBe('The provider reported an error mid-answer.');
		expect(done.content).toBe(fakeTokens(6));
		await expect
			.poll(() =>
				server.logs.some(
					(l) =>
						l.msg === 'answer failed: The provider reported an error: The model crashed mid-answer.'
				)
			)
			.toBe(true);
	});

	it.each([
		['llama.cpp before late 2025 (an `error:` line, then [DONE])', 'llamacpp-legacy'],
		['llama.cpp now (a data event with the error, no [DONE])', 'llamacpp']
	])('%s ends as an error that keeps the text so far', async (_, style) => {
		// The error event arrives in 7-byte pieces, as a slow network may split it.
		const { done } = await failing(
			`Crash [[tokens=20 errorAfter=5 errorStyle=${style} errorChop=7]]`
		);
		expect(done.status).toBe('error');
		expect(done.error).toBe('The provider reported an error mid-answer.');
		expect(done.content).toBe(fakeTokens(5));
		await expect
			.poll(() =>
				server.logs.some(
					(l) =>
						l.msg ===
							'answer failed: The provider reported an error: The model crashed mid-answer.' &&
						l.messageId === done.id
				)
			)
			.toBe(true);
	});

	it.each([
		['length', /^The answer was cut off: the model reached its length limit/],
		['content_filter', /^The provider's content filter stopped the answer\.$/],
		['error', /^The provider ended the answer with an error\.$/]
	])('finish_reason %s ends the answer as an error, keeping its text', async (finish, message) => {
		const { done } = await failing(`Finish [[tokens=4 finish=${finish}]]`);
		expect(done.status).toBe('error');
		expect(done.error).toMatch(message);
		expect(done.content).toBe(fakeTokens(4));
	});

	it('a stream that finishes normally but never sends [DONE] is complete', async () => {
		const tab = new AnswerAssembler(ana.socket);
		const chatId = await newChat(ana);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'No done [[tokens=3 noDone]]',
			parentId: null,
			clientId: clientId()
		});
		expect(await tab.final(assistant.id)).toMatchObject({
			status: 'done',
			content: fakeTokens(3),
			error: null
		});
	});

	it('a stream broken mid-line keeps the text so far', async () => {
		const { done } = await failing('Break [[tokens=20 breakAfter=7 delay=5]]');
		expect(done.status).toBe('error');
		expect(done.error).toBe('The connection to the provider broke mid-answer.');
		expect(done.content).toBe(fakeTokens(7));
	});

	it('a provider that never answers is given up after the first-token timeout', async () => {
		const started = Date.now();
		const { done, request } = await failing('Anyone there? [[hang]]');
		expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
		expect(done.status).toBe('error');
		expect(done.error).toBe('The model sent nothing for 1.5 s; the request was cancelled.');
		expect(done.content).toBe('');
		await expect.poll(() => request?.aborted).toBe(true);
	});

	it('a stream that stalls is cancelled after the stall timeout, keeping its text', async () => {
		const { done, request } = await failing('Stall [[tokens=20 stallAfter=5]]');
		expect(done.status).toBe('error');
		expect(done.error).toBe('The answer stalled for 1.5 s; the request was cancelled.');
		expect(done.content).toBe(fakeTokens(5));
		await expect.poll(() => request?.aborted).toBe(true);
	});

	it('an unreachable provider (closed port) says it could not reach it', async () => {
		const port = downPort;
		const created = await ana.http.json<{ id: string }>('/api/v1/admin/providers', {
			method: 'POST',
			body: { name: 'gone', baseUrl: fake.url }
		});
		const refreshed = await ana.http.json<{ models: { id: string }[] }>(
			`/api/v1/admin/providers/${created.body.id}/models`,
			{ method: 'POST' }
		);
		const modelId = refreshed.body.models[0].id;
		await ana.http.json(`/api/v1/admin/models/${modelId}`, {
			method: 'PATCH',
			body: { enabled: true }
		});
		await ana.http.json(`/api/v1/admin/providers/${created.body.id}`, {
			method: 'PATCH',
			body: { baseUrl: `http://127.0.0.1:${port}/v1` }
		});
		const { done } = await failing('Hello [[tokens=3]]', modelId);
		expect(done.status).toBe('error');
		expect(done.error).toBe(`Could not reach the provider at 127.0.0.1:${port}.`);
	});
});

describe('chat titles', () => {
	it('the first answer names the chat with the model (a non-streaming request)', async () => {
		const tab = new AnswerAssembler(ana.socket);
		const chatId = await newChat(ana);
		const prompt = 'Plan a weekend in Lisbon [[tokens=4]]';
		const titled = waitForEvent(
			ana.socket,
			'chat:updated',
			(c) => c.id === chatId && c.title !== 'New chat'
		);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: prompt,
			parentId: null,
			clientId: clientId()
		});
		expect((await tab.final(assistant.id)).status).toBe('done');
		expect((await titled).title).toBe('t0 t1 t2 t3');
		expect((await db.chat(chatId))?.title).toBe('t0 t1 t2 t3');
		const request = fake.requests.find(
			(r) => !r.body.stream && r.body.messages?.some((m) => m.content === prompt)
		);
		expect(request?.body.messages?.[0]).toMatchObject({ role: 'system' });
		expect(request?.body.messages?.[0].content).toMatch(/short title/);

		// A second answer does not rename the chat.
		const titleRequests = fake.requests.filter((r) => !r.body.stream).length;
		const next = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'And then? [[tokens=2]]',
			parentId: assistant.id,
			clientId: clientId()
		});
		await tab.final(next.assistant.id);
		await new Promise((r) => setTimeout(r, 200));
		expect(fake.requests.filter((r) => !r.body.stream).length).toBe(titleRequests);
		expect((await db.chat(chatId))?.title).toBe('t0 t1 t2 t3');
	});

	it('falls back to the first words of the prompt when the title request fails', async () => {
		const tab = new AnswerAssembler(ana.socket);
		const chatId = await newChat(ana);
		const titled = waitForEvent(
			ana.socket,
			'chat:updated',
			(c) => c.id === chatId && c.title !== 'New chat'
		);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Suggest a name for our new cat please [[tokens=3 titleFail=500]]',
			parentId: null,
			clientId: clientId()
		});
		expect((await tab.final(assistant.id)).status).toBe('done');
		expect((await titled).title).toBe('Suggest a name for our new');
		// The log line comes over the server's stdout, which may lag behind the socket.
		await expect
			.poll(() =>
				server.logs.some((l) => l.msg === 'title generation failed; using the first words')
			)
			.toBe(true);
	});

	it('a failed first answer names the chat after the prompt; a successful retry asks the model', async () => {
		const chatId = await newChat(ana);
		const tab = new AnswerAssembler(ana.socket);
		const named = waitForEvent(
			ana.socket,
			'chat:updated',
			(c) => c.id === chatId && c.title !== 'New chat'
		);
		fake.setScenario({ fail: 500 });
		try {
			const { assistant } = await ok(ana.socket, 'chat:send', {
				chatId,
				content: 'Compare three tea kettles for me please',
				parentId: null,
				clientId: clientId()
			});
			expect((await tab.final(assistant.id)).status).toBe('error');
			expect((await named).title).toBe('Compare three tea kettles for me');
			expect((await db.chat(chatId))?.title).toBe('Compare three tea kettles for me');

			// Retry (a regenerate) succeeds: now the model names the chat.
			fake.setScenario({ tokens: 3 });
			const titled = waitForEvent(
				ana.socket,
				'chat:updated',
				(c) => c.id === chatId && c.title === 't0 t1 t2'
			);
			const retry = await ok(ana.socket, 'chat:regenerate', { messageId: assistant.id });
			expect((await tab.final(retry.id)).status).toBe('done');
			await titled;
			expect((await db.chat(chatId))?.title).toBe('t0 t1 t2');
		} finally {
			fake.setScenario(null);
		}
	});

	it('a name the user gave is kept when the first answer fails', async () => {
		const chatId = (await ok(ana.socket, 'chat:create', { title: 'Kettles' })).id;
		const tab = new AnswerAssembler(ana.socket);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Fail please [[fail=500]]',
			parentId: null,
			clientId: clientId()
		});
		await tab.final(assistant.id);
		await new Promise((r) => setTimeout(r, 200));
		expect((await db.chat(chatId))?.title).toBe('Kettles');
	});
});
