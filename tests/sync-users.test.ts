/**
 * Open WebUI sorts its user list by a one-second `created_at` with no tie-breaker; on PostgreSQL
 * users created in the same second come back in a different order on every page request.
 */
import { expect, test } from 'vitest';
import { FakeOpenWebUI, PAGE } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import type { HttpClient } from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import { addInstance, syncNow } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let admin: HttpClient;
let fake: FakeOpenWebUI;
let instanceId: string;

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		return { fakes: [fake] };
	},
	async (kit) => {
		admin = (await kit.account()).http;
		fake.unstableTies = true;
		const world = new World(fake.data, 8);
		// A bulk import: 75 users created in one second, across three pages of 30.
		const second = Math.floor(Date.now() / 1000) - 86_400;
		for (let i = 0; i < 75; i++) {
			const user = world.addUser({ created_at: second });
			if (i % 10 === 0) world.addChat(user.id, { turns: 1 });
		}
		instanceId = (await addInstance(admin, fake)).id;
	}
);
async function imported(): Promise<string[]> {
	const rows = await withTestDb(server, (db) =>
		db.all<{ remoteId: string }>(
			'SELECT "remoteId" FROM "InstanceUser" WHERE "instanceId" = ? AND "deletedAt" IS NULL',
			instanceId
		)
	);
	return rows.map((r) => r.remoteId).sort();
}

test('users sharing one created_at second across page boundaries are all imported, once', async () => {
	expect(fake.data.users.size).toBeGreaterThan(2 * PAGE.users);
	const run = await syncNow(admin, instanceId);
	expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
	expect(await imported()).toEqual([...fake.data.users.keys()].sort());
	expect(run.counts.users).toMatchObject({ added: 75, updated: 0, unchanged: 0, deleted: 0 });
	expect(run.counts.chats.added).toBe(fake.data.chats.size);

	// Again: nobody is missed, so nobody is mistaken for deleted.
	const again = await syncNow(admin, instanceId);
	expect(again.status, JSON.stringify(again.errors)).toBe('succeeded');
	expect(again.counts.users).toMatchObject({ added: 0, deleted: 0, unchanged: 75 });
	expect(await imported()).toHaveLength(75);
});

test('a sign-up during the listing shifts the pages; a second reading finds who was skipped', async () => {
	const world = new World(fake.data, 9);
	let added = false;
	fake.onRequest = (request) => {
		if (request.route === 'users' && request.query.get('page') === '2' && !added) {
			added = true;
			// Sorts first by email: every later page moves by one.
			world.addUser({ email: 'aaron@owui.test', name: 'Aaron' });
		}
	};
	fake.resetRequests();
	const run = await syncNow(admin, instanceId);
	fake.onRequest = undefined;
	expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
	expect(run.counts.users).toMatchObject({ added: 1, deleted: 0, unchanged: 75 });
	expect(await imported()).toHaveLength(76);
	// Read twice by the listing (the connection check reads one page first).
	const readings = fake.requests.filter(
		(r) => r.route === 'users' && r.query.get('page') === '1' && r.query.get('order_by') === 'email'
	);
	expect(readings).toHaveLength(2);
});
