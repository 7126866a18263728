import { describe, expect, test } from 'vitest';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import type { HttpClient } from './helpers/client.ts';
import { openTestDb, withTestDb } from './helpers/database.ts';
import { actualTotals, addInstance, expectedTotals, rowCounts, syncNow } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenWebUI;
let world: World;
let admin: HttpClient;
let instanceId: string;

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		world = new World(fake.data, 7);
		world.populate({ users: 40, chatsPerUser: 4, catalogEvery: 2 });
		// A user with more chats than one listing page holds (60), and one whose chats are all legacy.
		const heavy = world.addUser({ name: 'Heavy User' });
		for (let i = 0; i < 130; i++) world.addChat(heavy.id, { turns: 1, branch: i % 10 === 0 });
		const old = world.addUser({ name: 'Legacy User' });
		world.addChat(old.id, { legacy: true, turns: 3 });
		return { fakes: [fake] };
	},
	async (kit) => {
		admin = (await kit.account()).http;
		instanceId = (await addInstance(admin, fake, { name: 'Acme' })).id;
	}
);

describe('a first sync', () => {
	test('imports exactly the instance’s users, chats, messages and usage', async () => {
		const run = await syncNow(admin, instanceId);
		expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
		expect(run.trigger).toBe('manual');
		const expected = expectedTotals(fake);
		const actual = await withTestDb(server, (db) => actualTotals(db, instanceId));
		expect(actual.users).toBe(expected.users);
		expect(actual.chats).toBe(expected.chats);
		expect(actual.messages).toEqual(expected.messages);
		expect(actual.byModel).toEqual(expected.byModel);
		expect(actual.byUser).toEqual(expected.byUser);
		expect(actual.byDay).toEqual(expected.byDay);
		expect(run.counts.users.added).toBe(expected.users);
		expect(run.counts.chats.added).toBe(expected.chats);
		const messageCount = Object.values(expected.messages).reduce((a, b) => a + b, 0);
		expect(run.counts.messages.added).toBe(messageCount);
		expect(fake.count('chat')).toBe(expected.chats);
		// Bodies over 500 bytes came gzip-compressed, as Open WebUI sends them.
		expect(fake.requests.filter((r) => r.route === 'chat').every((r) => r.gzipped)).toBe(true);
	});

	test('imports models, knowledge bases, files and feedback', async () => {
		await withTestDb(server, async (db) => {
			const kinds = await db.all<{ kind: string; n: number }>(
				'SELECT "kind", count(*) AS n FROM "InstanceItem" WHERE "instanceId" = ? AND "deletedAt" IS NULL GROUP BY "kind"',
				instanceId
			);
			expect(Object.fromEntries(kinds.map((k) => [k.kind, k.n]))).toEqual({
				model: fake.data.models.length,
				knowledge: fake.data.knowledge.size,
				file: fake.data.files.size,
				feedback: fake.data.feedback.size
			});
		});
	});

	test('usage rows carry the seam the usage dashboard reads', async () => {
		await withTestDb(server, async (db) => {
			const row = await db.get(
				`SELECT * FROM "UsageRecord" WHERE "instanceId" = ? AND "tokensEstimated" = ? AND "status" = 'done' LIMIT 1`,
				instanceId,
				false
			);
			if (!row) throw new Error('no usage row with counts from the instance');
			expect(row.providerName).toBe('Acme');
			expect(row.costUsd).toBe(0);
			expect(row.deletedAt).toBeNull();
			const chat = fake.data.chats.get(String(row.chatId));
			expect(chat).toBeDefined();
			expect(row.userId).toBe(chat?.user_id);
			expect(String(row.messageId).startsWith(`${row.chatId}-`)).toBe(true);
			const names = await db.get<{ n: number }>(
				'SELECT count(*) AS n FROM "InstanceUser" WHERE "instanceId" = ? AND "remoteId" = ?',
				instanceId,
				row.userId
			);
			expect(names?.n).toBe(1);
		});
	});
});

describe('a re-sync of an unchanged instance', () => {
	test('lists everything but fetches no chat body and changes nothing', async () => {
		const db = await openTestDb(server.databaseUrl);
		const before = await rowCounts(db, instanceId);
		fake.resetRequests();
		const run = await syncNow(admin, instanceId);
		expect(run.status).toBe('succeeded');
		expect(fake.count('chat')).toBe(0);
		// One listing page per user, plus the probe of the user with more than one page.
		expect(fake.count('chat-list')).toBe(fake.data.users.size + 1);
		for (const entity of [
			'users',
			'chats',
			'messages',
			'models',
			'knowledge',
			'files',
			'feedback'
		] as const) {
			expect(run.counts[entity], entity).toMatchObject({
				added: 0,
				updated: 0,
				deleted: 0,
				failed: 0
			});
		}
		expect(await rowCounts(db, instanceId)).toEqual(before);
		await db.close();
	});

	test('a full sync re-reads every chat without duplicating anything', async () => {
		const db = await openTestDb(server.databaseUrl);
		const before = await rowCounts(db, instanceId);
		fake.resetRequests();
		const run = await syncNow(admin, instanceId, { full: true });
		expect(run.status).toBe('succeeded');
		expect(run.full).toBe(true);
		expect(fake.count('chat')).toBe(fake.data.chats.size);
		expect(run.counts.chats).toMatchObject({
			added: 0,
			updated: 0,
			unchanged: fake.data.chats.size
		});
		expect(run.counts.messages).toMatchObject({ added: 0, updated: 0, deleted: 0 });
		expect(await rowCounts(db, instanceId)).toEqual(before);
		await db.close();
	});
});
