import { expect, test } from 'vitest';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import type { HttpClient } from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import { actualTotals, addInstance, expectedTotals, syncNow } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenWebUI;
let world: World;
let admin: HttpClient;
let instanceId: string;

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		world = new World(fake.data, 11);
		world.populate({ users: 12, chatsPerUser: 5 });
		const heavy = world.addUser({ name: 'Heavy User' });
		for (let i = 0; i < 150; i++) world.addChat(heavy.id, { turns: 1, daysAgo: 5 + (i % 20) });
		return { fakes: [fake] };
	},
	async (kit) => {
		admin = (await kit.account()).http;
		instanceId = (await addInstance(admin, fake)).id;
		const first = await syncNow(admin, instanceId);
		expect(first.status).toBe('succeeded');
	}
);

async function expectExact() {
	const actual = await withTestDb(server, (db) => actualTotals(db, instanceId));
	expect(actual).toEqual(expectedTotals(fake));
}

const chatsOf = (userId: string) =>
	[...fake.data.chats.values()].filter((c) => c.user_id === userId);

test('added, updated and hard-deleted chats and users: exactly those changes, only changed bodies', async () => {
	const users = [...fake.data.users.values()];
	// Added: a new user with two chats, and a new chat for an existing user.
	const newcomer = world.addUser({ name: 'New Person' });
	const added = [
		world.addChat(newcomer.id),
		world.addChat(newcomer.id),
		world.addChat(users[0].id)
	];
	// Updated: a new turn in one chat, a rename of another, a deleted branch in a third.
	const [grown, renamed, pruned] = chatsOf(users[1].id);
	world.addTurn(grown.id);
	world.renameChat(renamed.id, 'Renamed chat');
	const droppedAnswer = world.dropLastAnswer(pruned.id);
	// A user's profile changes (no chat body involved).
	world.updateUser(users[2].id, { name: 'Renamed Person' });
	// Hard-deleted: one chat, and a whole user (Open WebUI deletes their chats with them).
	const [deletedChat] = chatsOf(users[3].id);
	world.deleteChat(deletedChat.id);
	const goneUser = users[4];
	const goneUserChats = chatsOf(goneUser.id).map((c) => c.id);
	world.deleteUser(goneUser.id);

	fake.resetRequests();
	const run = await syncNow(admin, instanceId);
	expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');

	const fetched = fake.requests
		.filter((r) => r.route === 'chat')
		.map((r) => r.path.split('/').pop());
	expect(fetched.sort()).toEqual(
		[...added.map((c) => c.id), grown.id, renamed.id, pruned.id].sort()
	);
	expect(run.counts.users).toMatchObject({ added: 1, updated: 1, deleted: 1 });
	expect(run.counts.chats).toMatchObject({
		added: 3,
		updated: 3,
		deleted: 1 + goneUserChats.length,
		failed: 0
	});
	expect(run.counts.messages.deleted).toBeGreaterThanOrEqual(1);
	await expectExact();

	await withTestDb(server, async (db) => {
		const chat = await db.get<{ deletedAt: unknown }>(
			'SELECT "deletedAt" FROM "InstanceChat" WHERE "instanceId" = ? AND "remoteId" = ?',
			instanceId,
			deletedChat.id
		);
		expect(chat?.deletedAt).not.toBeNull();
		expect(chat?.deletedAt).toBeDefined();
		const user = await db.get<{ deletedAt: unknown }>(
			'SELECT "deletedAt" FROM "InstanceUser" WHERE "instanceId" = ? AND "remoteId" = ?',
			instanceId,
			goneUser.id
		);
		expect(user?.deletedAt).not.toBeNull();
		expect(user?.deletedAt).toBeDefined();
		// Soft deletes keep the rows, marked, so history stays auditable.
		const kept = await db.get<{ n: number; d: number }>(
			'SELECT count(*) AS n, count("deletedAt") AS d FROM "UsageRecord" WHERE "instanceId" = ? AND "userId" = ?',
			instanceId,
			goneUser.id
		);
		expect(kept?.n).toBeGreaterThan(0);
		expect(kept?.d).toBe(kept?.n);
		const answer = await db.get<{ deletedAt: unknown }>(
			'SELECT "deletedAt" FROM "UsageRecord" WHERE "instanceId" = ? AND "messageId" = ?',
			instanceId,
			`${pruned.id}-${droppedAnswer}`
		);
		expect(answer?.deletedAt).not.toBeNull();
		expect(answer?.deletedAt).toBeDefined();
		const title = await db.get<{ title: string }>(
			'SELECT "title" FROM "InstanceChat" WHERE "instanceId" = ? AND "remoteId" = ?',
			instanceId,
			renamed.id
		);
		expect(title?.title).toBe('Renamed chat');
	});
});

test('an old chat deleted past the watermark of a user with many pages is still noticed', async () => {
	const heavy = [...fake.data.users.values()].find((u) => u.name === 'Heavy User');
	if (!heavy) throw new Error('no heavy user');
	const oldest = chatsOf(heavy.id).sort((a, b) => a.updated_at - b.updated_at)[0];
	world.deleteChat(oldest.id);
	fake.resetRequests();
	const run = await syncNow(admin, instanceId);
	expect(run.status).toBe('succeeded');
	expect(run.counts.chats).toMatchObject({ added: 0, updated: 0, deleted: 1 });
	expect(fake.count('chat')).toBe(0);
	await expectExact();
});

test('a chat that comes back (restored) is imported again and counts once', async () => {
	const user = [...fake.data.users.values()][5];
	const chat = chatsOf(user.id)[0];
	world.deleteChat(chat.id);
	expect((await syncNow(admin, instanceId)).counts.chats.deleted).toBe(1);
	fake.data.chats.set(chat.id, chat);
	const run = await syncNow(admin, instanceId);
	expect(run.counts.chats).toMatchObject({ updated: 1, deleted: 0 });
	await expectExact();
});

test('a full re-sync of an unchanged instance reports nothing updated; a real change still counts', async () => {
	const live = [...fake.data.chats.values()].filter((c) => fake.data.users.has(c.user_id)).length;
	fake.resetRequests();
	const still = await syncNow(admin, instanceId, { full: true });
	expect(still.status, JSON.stringify(still.errors)).toBe('succeeded');
	// A full run re-reads every chat body, and finds every one as it was.
	expect(fake.count('chat')).toBe(live);
	expect(still.counts.chats).toEqual({
		added: 0,
		updated: 0,
		deleted: 0,
		unchanged: live,
		failed: 0
	});
	expect(still.counts.messages).toMatchObject({ added: 0, updated: 0, deleted: 0 });

	const [grown, renamed] = chatsOf([...fake.data.users.values()][6].id);
	world.addTurn(grown.id);
	world.renameChat(renamed.id, 'Renamed again');
	const changed = await syncNow(admin, instanceId, { full: true });
	expect(changed.counts.chats).toEqual({
		added: 0,
		updated: 2,
		deleted: 0,
		unchanged: live - 2,
		failed: 0
	});
	expect(changed.counts.messages).toMatchObject({ added: 2, updated: 0, deleted: 0 });
	await expectExact();
});
