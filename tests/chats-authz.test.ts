import { describe, expect, it } from 'vitest';
import type { ClientEventInput, ClientEventName } from '#lib/shared/events.ts';
import { call, clientId, ok, RELAXED_LIMITS, rest, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, ChatDb, until } from './helpers/chats.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai.ts';
import { useParley } from './helpers/kit.ts';
import { closedPort } from './helpers/server.ts';

let fake: FakeOpenAI;
let keyed: FakeOpenAI;
let admin: TestUser;
let ana: TestUser;
let bo: TestUser;
let db: ChatDb;
let providerId: string;
let modelId: string;
let chatId: string;
let question: string;
let answer: string;
let streaming: string;
/** A port nothing listens on, allowed like the fakes so the test sees "could not reach". */
let downPort: number;

const SECRET = 'sk-test-5f3c9a1e-never-show-me';
const UNKNOWN = '0190a6f4-0000-7000-8000-000000000000';

const server = useParley(
	async () => {
		fake = await startFakeOpenAI();
		downPort = await closedPort();
		return {
			env: RELAXED_LIMITS,
			fakeProvider: { apiKey: SECRET },
			fakes: [fake],
			allow: [downPort]
		};
	},
	async (kit) => {
		keyed = kit.provider;
		admin = await kit.user('Admin');
		await kit.setUpProvider(admin, SECRET);
		const { body } = await rest<{ providers: { id: string; models: { id: string }[] }[] }>(
			admin,
			'GET',
			'/admin/providers'
		);
		providerId = body.providers[0].id;
		modelId = body.providers[0].models[0].id;
		[ana, bo] = await kit.users('Ana', 'Bo');
		db = kit.own(await ChatDb.open(kit));

		// Ana's chat: one finished answer and one still streaming.
		const tab = new AnswerAssembler(ana.socket);
		chatId = (await ok(ana.socket, 'chat:create', { systemPrompt: 'private' })).id;
		keyed.setScenario({ tokens: 3 });
		const sent = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Mine',
			parentId: null,
			clientId: clientId()
		});
		question = sent.user.id;
		answer = sent.assistant.id;
		await tab.final(answer);
		keyed.setScenario({ tokens: 3000, delay: 10 });
		streaming = (await ok(ana.socket, 'chat:regenerate', { messageId: answer })).id;
		await until(() => tab.texts.get(streaming)?.content, 'the regenerated answer to stream');
		keyed.setScenario(null);
	}
);

/** The error `user` gets for an event, as `code message`. */
async function refusal<E extends ClientEventName>(
	user: TestUser,
	event: E,
	payload: ClientEventInput<E>
): Promise<string> {
	const result = await call(user.socket, event, payload);
	return result.ok ? 'ok' : `${result.error.code} ${result.error.message}`;
}

describe("another user's chat", () => {
	it('cannot be opened, written to, stopped, branched, updated or deleted: not_found, like unknown ids', async () => {
		const before = await db.messages(chatId);
		const chatBefore = await db.chat(chatId);
		// [event, payload with Ana's ids, the same payload with unknown ids]
		const cases: [ClientEventName, Record<string, unknown>, Record<string, unknown>][] = [
			['chat:open', { chatId }, { chatId: UNKNOWN }],
			[
				'chat:send',
				{ chatId, content: 'hi', parentId: answer, clientId: clientId() },
				{ chatId: UNKNOWN, content: 'hi', parentId: answer, clientId: clientId() }
			],
			['chat:stop', { messageId: streaming }, { messageId: UNKNOWN }],
			['chat:regenerate', { messageId: answer }, { messageId: UNKNOWN }],
			[
				'chat:edit',
				{ messageId: question, content: 'hijack', clientId: clientId() },
				{ messageId: UNKNOWN, content: 'hijack', clientId: clientId() }
			],
			['chat:continue', { messageId: answer }, { messageId: UNKNOWN }],
			['chat:switch', { chatId, messageId: answer }, { chatId: UNKNOWN, messageId: answer }],
			['chat:update', { chatId, title: 'Owned' }, { chatId: UNKNOWN, title: 'Owned' }],
			['chat:delete', { chatId }, { chatId: UNKNOWN }]
		];
		for (const [event, theirs, unknown] of cases) {
			const got = await refusal(bo, event, theirs as never);
			expect(got, event).toMatch(/^not_found /);
			expect(got, event).toBe(await refusal(bo, event, unknown as never));
			// And for Ana, the unknown ids answer the same: nothing tells the two apart.
			expect(await refusal(ana, event, unknown as never), event).toBe(got);
		}
		const streamingNow = await db.message(streaming);
		expect(await db.messages(chatId)).toEqual(
			before.map((row) => (row.id === streaming ? streamingNow : row))
		);
		expect(await db.chat(chatId)).toEqual(chatBefore);
		expect((await db.message(streaming))?.status).toBe('streaming');
		expect((await ok(bo.socket, 'chats:list', {})).chats).toEqual([]);
		// Ana still has it all.
		const snapshot = await ok(ana.socket, 'chat:open', { chatId });
		expect(snapshot.messages.map((m) => m.id)).toEqual([question, answer, streaming]);
		await ok(ana.socket, 'chat:stop', { messageId: streaming });
	});
});

describe('provider admin API', () => {
	it('refuses non-admins (403) on every endpoint, and anonymous callers (401)', async () => {
		const endpoints: [string, string, unknown?][] = [
			['GET', '/admin/providers'],
			['POST', '/admin/providers', { name: 'mine', baseUrl: fake.url, apiKey: '' }],
			['PATCH', `/admin/providers/${providerId}`, { baseUrl: 'http://127.0.0.1:1/v1' }],
			['DELETE', `/admin/providers/${providerId}`],
			['POST', `/admin/providers/${providerId}/test`],
			['POST', `/admin/providers/${providerId}/models`],
			['PATCH', `/admin/models/${modelId}`, { enabled: false, inputPricePerMTok: 999 }]
		];
		for (const [method, path, body] of endpoints) {
			const res = await rest(ana, method, path, body);
			expect(res.status, `${method} ${path}`).toBe(403);
			expect(res.body).toEqual({
				error: { code: 'forbidden', message: 'Only admins can do this.' }
			});
			const anonymous = await fetch(`${server.url}/api/v1${path}`, {
				method,
				headers: { 'content-type': 'application/json', origin: server.url },
				body: body === undefined ? undefined : JSON.stringify(body)
			});
			expect(anonymous.status, `anonymous ${method} ${path}`).toBe(401);
		}
		// Nothing changed.
		const { body } = await rest<{
			providers: { baseUrl: string; models: { enabled: boolean; inputPricePerMTok: number }[] }[];
		}>(admin, 'GET', '/admin/providers');
		expect(body.providers).toHaveLength(1);
		expect(body.providers[0].baseUrl).toBe(keyed.url);
		expect(body.providers[0].models[0]).toMatchObject({ enabled: true, inputPricePerMTok: 1 });
	});

	it('never shows the API key in a response or a log line', async () => {
		const responses = [
			await rest(admin, 'GET', '/admin/providers'),
			await rest(admin, 'POST', '/admin/providers', {
				name: 'second',
				baseUrl: keyed.url,
				apiKey: SECRET
			}),
			await rest(admin, 'PATCH', `/admin/providers/${providerId}`, { name: 'renamed' }),
			await rest(admin, 'POST', `/admin/providers/${providerId}/test`),
			await rest(admin, 'POST', `/admin/providers/${providerId}/models`),
			await rest(admin, 'PATCH', `/admin/models/${modelId}`, { displayName: 'Keyed' })
		];
		for (const res of responses) {
			expect(res.status).toBeLessThan(300);
			expect(JSON.stringify(res.body)).not.toContain(SECRET);
		}
		const list = responses[0].body as { providers: Record<string, unknown>[] };
		expect(list.providers[0].hasApiKey).toBe(true);
		expect(Object.keys(list.providers[0]).sort()).toEqual(
			['baseUrl', 'enabled', 'hasApiKey', 'id', 'models', 'name'].sort()
		);
		// The key was sent to the provider, and works.
		expect(responses[3].body).toEqual({ ok: true, models: 2 });
		expect(keyed.requests.some((r) => r.authorization === `Bearer ${SECRET}`)).toBe(true);
		// A failing chat, a failing test and a wrong key leave no trace of it in the logs either.
		const tab = new AnswerAssembler(ana.socket);
		const chat = (await ok(ana.socket, 'chat:create', {})).id;
		const failed = await ok(ana.socket, 'chat:send', {
			chatId: chat,
			content: 'boom [[fail=500 titleFail=500]]',
			parentId: null,
			clientId: clientId()
		});
		expect((await tab.final(failed.assistant.id)).status).toBe('error');
		await rest(admin, 'PATCH', `/admin/providers/${providerId}`, { apiKey: `${SECRET}-wrong` });
		expect((await rest(admin, 'POST', `/admin/providers/${providerId}/test`)).body).toMatchObject({
			ok: false
		});
		await rest(admin, 'PATCH', `/admin/providers/${providerId}`, { apiKey: SECRET });
		await new Promise((r) => setTimeout(r, 100));
		expect(server.output()).not.toContain(SECRET);
		expect(server.output()).not.toContain('never-show-me');
	});

	it('test-connection explains unreachable, refused key and a web page', async () => {
		const create = async (name: string, baseUrl: string, apiKey = '') => {
			const res = await rest<{ id: string }>(admin, 'POST', '/admin/providers', {
				name,
				baseUrl,
				apiKey
			});
			expect(res.status).toBe(201);
			return (await rest(admin, 'POST', `/admin/providers/${res.body.id}/test`)).body;
		};
		expect(await create('down', `http://127.0.0.1:${downPort}/v1`)).toEqual({
			ok: false,
			reason: `Could not reach the provider at 127.0.0.1:${downPort}.`
		});
		expect(await create('wrong key', keyed.url, 'sk-wrong')).toEqual({
			ok: false,
			reason: 'The provider refused the API key (401): Incorrect API key provided.'
		});
		const root = fake.url.replace(/\/v1$/, '');
		const page = (await create('web page', root)) as { ok: boolean; reason: string };
		expect(page.ok).toBe(false);
		expect(page.reason).toMatch(/not an OpenAI-compatible API/);
		expect(await create('works', fake.url)).toEqual({ ok: true, models: 2 });
	});
});
