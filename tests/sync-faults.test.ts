import { describe, expect, test } from 'vitest';
import type { FakeOpenWebUI, Route } from './fakes/open-webui.ts';
import { World, type FakeChat } from './fakes/open-webui-data.ts';
import type { HttpClient } from './helpers/client.ts';
import { parseDbDate, withTestDb } from './helpers/database.ts';
import { actualTotals, addInstance, expectedTotals, startFakes, syncNow } from './helpers/sync.ts';
import { newParley, useParley } from './helpers/kit.ts';

let admin: HttpClient;
/** One fake per instance the tests add, started first so the server may reach them. */
let pool: FakeOpenWebUI[] = [];
const fakes: FakeOpenWebUI[] = [];

const server = useParley(
	async () => {
		pool = await startFakes(12);
		const env = {
			SYNC_RETRY_BASE_MS: '10',
			SYNC_MAX_RETRIES: '3',
			SYNC_MAX_RESPONSE_BYTES: String(64 * 1024)
		};
		return { env, fakes: pool };
	},
	async (kit) => {
		admin = (await kit.account()).http;
	}
);

async function instance(
	populate = { users: 4, chatsPerUser: 3 },
	fields: Record<string, unknown> = {}
) {
	const fake = pool[fakes.length];
	fakes.push(fake);
	const world = new World(fake.data, fakes.length);
	world.populate(populate);
	const { id } = await addInstance(admin, fake, fields);
	return { fake, world, id };
}

/** Milliseconds from the fake's first to its last request of a route. */
function span(fake: FakeOpenWebUI, route: Route): number {
	const times = fake.requests.filter((r) => r.route === route).map((r) => r.at);
	return Math.max(...times) - Math.min(...times);
}

function totals(instanceId: string) {
	return withTestDb(server, (db) => actualTotals(db, instanceId));
}

/** Whether anything of a chat reached the database. */
function imported(instanceId: string, chatId: string): Promise<number> {
	return withTestDb(server, async (db) => {
		const q = async (table: string, column: string) =>
			(
				await db.get<{ n: number }>(
					`SELECT count(*) AS n FROM "${table}" WHERE "instanceId" = ? AND "${column}" = ?`,
					instanceId,
					chatId
				)
			)?.n ?? 0;
		return (
			(await q('InstanceChat', 'remoteId')) +
			(await q('InstanceMessage', 'chatId')) +
			(await q('UsageRecord', 'chatId'))
		);
	});
}

const chatPath = (chat: FakeChat) => new RegExp(`^/api/v1/chats/${chat.id}$`);

describe('transient failures', () => {
	test('429 and 5xx answers are retried with backoff and the run succeeds', async () => {
		const { fake, id } = await instance();
		fake.fault({ route: 'chat', status: 429, times: 2 });
		fake.fault({ route: 'chat-list', status: 500, times: 2 });
		fake.fault({ route: 'knowledge', status: 503, times: 1 });
		const run = await syncNow(admin, id);
		expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
		expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(2);
		expect(fake.requests.filter((r) => r.status >= 500)).toHaveLength(3);
		expect(fake.count('chat')).toBe(fake.data.chats.size + 2);
		expect(await totals(id)).toEqual(expectedTotals(fake));
	});

	test('a chat that times out on every try fails alone; the rest is imported', async () => {
		// Its own server, with a short request timeout.
		const fake = pool[fakes.length];
		fakes.push(fake);
		const quick = await newParley({
			env: { SYNC_RETRY_BASE_MS: '10', SYNC_MAX_RETRIES: '2', SYNC_REQUEST_TIMEOUT_MS: '1000' },
			allow: [fake.url]
		});
		try {
			const owner = (await quick.account()).http;
			new World(fake.data, 99).populate({ users: 2, chatsPerUser: 3 });
			const { id } = await addInstance(owner, fake);
			const slow = [...fake.data.chats.values()][0];
			fake.fault({ path: chatPath(slow), delayMs: 1500 });
			const run = await syncNow(owner, id);
			expect(run.status).toBe('partial');
			expect(run.counts.chats).toMatchObject({ added: fake.data.chats.size - 1, failed: 1 });
			expect(run.errors[0]).toMatchObject({ entity: 'chats', remoteId: slow.id });
			expect(run.errors[0].message).toMatch(/no complete answer within 1 s/);
			expect(fake.requests.filter((r) => r.path.endsWith(slow.id))).toHaveLength(3);
		} finally {
			await quick.dispose();
		}
	});
});

describe('push back (429, 503): the rate adapts, Retry-After is honoured', () => {
	test('a steady 1-in-10 trickle of 503s costs a small factor of a clean run, not a collapse', async () => {
		// A rate low enough to be what bounds the run (the fake answers in a few ms).
		const { fake, id } = await instance(
			{ users: 4, chatsPerUser: 25 },
			{ requestsPerSecond: 40, concurrency: 4 }
		);
		const chats = fake.data.chats.size;
		const clean = await syncNow(admin, id);
		expect(clean.status).toBe('succeeded');
		const cleanMs = span(fake, 'chat');
		expect(fake.count('chat')).toBe(chats);

		fake.resetRequests();
		fake.fault({ route: 'chat', status: 503, every: 10, retryAfter: null });
		const run = await syncNow(admin, id, { full: true });
		expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
		const refused = fake.requests.filter((r) => r.status === 503).length;
		// Every 10th chat request failed once and was retried once; nothing else was re-sent.
		expect(refused).toBe(Math.floor(fake.count('chat') / 10));
		expect(fake.count('chat')).toBe(chats + refused);
		// Halving on each 503 without recovering would sit at 1 request/s after six of them: about
		// a minute for the rest. Recovering, the run stays within a small factor of the clean one.
		expect(span(fake, 'chat')).toBeLessThan(cleanMs * 2.5 + 1500);
	});

	test('a Retry-After pauses every request to the instance, not only the retry', async () => {
		// Slow enough that the other chats would still be fetched during the pause.
		const { fake, id } = await instance({ users: 3, chatsPerUser: 10 }, { requestsPerSecond: 20 });
		const [, , target] = [...fake.data.chats.values()];
		fake.fault({ path: chatPath(target), status: 503, retryAfter: '2', times: 1 });
		const run = await syncNow(admin, id);
		expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
		const refusal = fake.requests.find((r) => r.status === 503);
		if (!refusal) throw new Error('no 503 was answered');
		// Requests already on their way may land just after it; none starts during the pause.
		const during = fake.requests.filter((r) => r.at > refusal.at + 100 && r.at < refusal.at + 1900);
		expect(during).toEqual([]);
		const retry = fake.requests.filter((r) => r.path === refusal.path && r.at > refusal.at);
		expect(retry).toHaveLength(1);
		expect(retry[0].at - refusal.at).toBeGreaterThanOrEqual(1900);
		expect(await totals(id)).toEqual(expectedTotals(fake));
	});
});

describe('bad answers for one item: a clear error, nothing partial, the run goes on', () => {
	test('malformed JSON', async () => {
		const { fake, id } = await instance();
		const broken = [...fake.data.chats.values()][1];
		fake.fault({ path: chatPath(broken), raw: '{"id": "x", "chat": {"history": ' });
		const run = await syncNow(admin, id);
		expect(run.status).toBe('partial');
		expect(run.errors).toEqual([
			expect.objectContaining({
				entity: 'chats',
				remoteId: broken.id,
				message: expect.stringMatching(/not valid JSON/) as string
			})
		]);
		expect(await imported(id, broken.id)).toBe(0);
		expect(run.counts.chats).toMatchObject({ added: fake.data.chats.size - 1, failed: 1 });
	});

	test('missing fields', async () => {
		const { fake, id } = await instance();
		const chat = [...fake.data.chats.values()][2];
		const [, second] = Object.values(chat.chat.history.messages);
		delete (second as Partial<typeof second>).role;
		const run = await syncNow(admin, id);
		expect(run.status).toBe('partial');
		expect(run.errors[0].message).toBe(`message ${second.id} has no "role".`);
		expect(await imported(id, chat.id)).toBe(0);
	});

	test('a chat larger than the size limit', async () => {
		const { fake, world, id } = await instance();
		const [user] = fake.data.users.values();
		const huge = world.addChat(user.id, { turns: 60, size: 2000 });
		const run = await syncNow(admin, id);
		expect(run.status).toBe('partial');
		expect(run.errors[0]).toMatchObject({ remoteId: huge.id });
		expect(run.errors[0].message).toMatch(/over the 64 KB limit \(SYNC_MAX_RESPONSE_BYTES\)/);
		expect(await imported(id, huge.id)).toBe(0);
	});

	test('timestamps in the future are clamped to the chat’s time, with a warning', async () => {
		const { fake, id } = await instance({ users: 1, chatsPerUser: 1 });
		const [chat] = fake.data.chats.values();
		const [first] = Object.values(chat.chat.history.messages);
		first.timestamp = Math.floor(Date.now() / 1000) + 400 * 86_400;
		const run = await syncNow(admin, id);
		expect(run.status).toBe('succeeded');
		expect(run.errors).toEqual([
			expect.objectContaining({
				warning: true,
				message: expect.stringMatching(/in the future/) as string
			})
		]);
		const row = await withTestDb(server, (db) =>
			db.get<{ createdAt: unknown }>(
				'SELECT "createdAt" FROM "InstanceMessage" WHERE "instanceId" = ? AND "remoteId" = ?',
				id,
				`${chat.id}-${first.id}`
			)
		);
		expect(parseDbDate(row?.createdAt).getTime()).toBe(chat.updated_at * 1000);
	});
});

describe('failures that stop the run, with the reason on the run', () => {
	test('the URL serves the web app (HTML with status 200)', async () => {
		const { fake, id } = await instance();
		fake.fault({ route: 'auths', html: true });
		const run = await syncNow(admin, id);
		expect(run.status).toBe('failed');
		expect(run.error).toMatch(/answers with a web page \(HTML, status 200\), not Open WebUI’s API/);
	});

	test('a refused key (401) and a non-admin key (403)', async () => {
		const { fake } = await instance();
		const wrong = await addInstance(admin, fake, { apiKey: 'sk-wrong' });
		const refused = await syncNow(admin, wrong.id);
		expect(refused.status).toBe('failed');
		expect(refused.error).toMatch(/refused the API key \(401\)/);
		const member = await addInstance(admin, fake, { apiKey: fake.options.restrictedKey });
		const forbidden = await syncNow(admin, member.id);
		expect(forbidden.status).toBe('failed');
		expect(forbidden.error).toMatch(/not an admin’s/);
	});

	test('the instance disappears mid-run; the next run resumes to exact totals', async () => {
		const { fake, id } = await instance({ users: 6, chatsPerUser: 6 });
		let bodies = 0;
		fake.onRequest = (request) => {
			if (request.route === 'chat' && ++bodies === 10) void fake.suspend();
		};
		const run = await syncNow(admin, id);
		expect(run.status).toBe('failed');
		expect(run.error).toMatch(/could not reach the instance \(ECONNREFUSED\)/);
		expect(run.counts.chats.added).toBeGreaterThan(0);
		expect(run.counts.chats.added).toBeLessThan(fake.data.chats.size);
		fake.onRequest = undefined;
		await fake.resume();
		const again = await syncNow(admin, id);
		expect(again.status).toBe('succeeded');
		expect(again.counts.chats.added + run.counts.chats.added).toBe(fake.data.chats.size);
		expect(await totals(id)).toEqual(expectedTotals(fake));
	});
});
