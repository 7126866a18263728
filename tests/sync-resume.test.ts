import { expect, test } from 'vitest';
import type { SyncRunDto } from '#lib/shared/sync.ts';
import type { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import { HttpClient } from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import {
	actualTotals,
	addInstance,
	expectedTotals,
	rowCounts,
	startFakes,
	startSync,
	syncNow,
	waitForRun
} from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let admin: HttpClient;
/** One fake per test, started first so the server may reach them. */
let pool: FakeOpenWebUI[] = [];
const fakes: FakeOpenWebUI[] = [];

const server = useParley(
	async () => {
		pool = await startFakes(4);
		return { fakes: pool };
	},
	async (kit) => {
		admin = (await kit.account()).http;
	}
);

async function instance() {
	const fake = pool[fakes.length];
	fakes.push(fake);
	new World(fake.data, 40 + fakes.length).populate({ users: 10, chatsPerUser: 12 });
	// Slow answers keep the run going long enough to be cut off in the middle.
	fake.fault({ route: 'chat', delayMs: 15 });
	const { id } = await addInstance(admin, fake);
	return { fake, id };
}

/** Exact totals, and exactly one row per remote entity (no duplicates from the retry). */
async function expectExact(fake: FakeOpenWebUI, instanceId: string) {
	await withTestDb(server, async (db) => {
		const expected = expectedTotals(fake);
		expect(await actualTotals(db, instanceId)).toEqual(expected);
		const messages = Object.values(expected.messages).reduce((a, b) => a + b, 0);
		expect(await rowCounts(db, instanceId)).toMatchObject({
			InstanceUser: expected.users,
			InstanceChat: expected.chats,
			InstanceMessage: messages,
			UsageRecord: expected.messages.assistant
		});
	});
}

async function runs(instanceId: string): Promise<SyncRunDto[]> {
	return (await admin.json<{ runs: SyncRunDto[] }>(`/api/v1/admin/instances/${instanceId}/runs`))
		.body.runs;
}

test('a server killed mid-run (SIGKILL) restarts, records the run as interrupted, and the next run ends exact', async () => {
	const { fake, id } = await instance();
	let bodies = 0;
	const killed = new Promise<void>((resolve) => {
		fake.onRequest = (request) => {
			if (request.route === 'chat' && ++bodies === 60) void server.kill().then(resolve);
		};
	});
	await startSync(admin, id);
	await killed;
	fake.onRequest = undefined;
	const before = await withTestDb(server, (db) => rowCounts(db, id));
	expect(before.InstanceChat).toBeLessThan(fake.data.chats.size);

	await server.restart();
	// Same session, new port.
	const cookies = admin.cookies;
	admin = new HttpClient(server.url);
	admin.cookies = cookies;
	const [cut] = await runs(id);
	expect(cut.status).toBe('interrupted');
	expect(cut.error).toMatch(/stopped \(crash or kill\)/);
	// The dead process's lock does not hold the next run back.
	fake.resetRequests();
	const next = await syncNow(admin, id);
	expect(next.status, JSON.stringify(next.errors)).toBe('succeeded');
	expect(next.counts.chats.added).toBe(fake.data.chats.size - before.InstanceChat);
	expect(fake.count('chat')).toBe(fake.data.chats.size - before.InstanceChat);
	await expectExact(fake, id);
	const locks = await withTestDb(server, (db) =>
		db.get<{ n: number }>('SELECT count(*) AS n FROM "SyncLock"')
	);
	expect(locks?.n).toBe(0);
});

test('a run stopped by an admin is recorded as cancelled; the next run ends exact', async () => {
	const { fake, id } = await instance();
	let bodies = 0;
	const stopped = new Promise<{ status: number; body: { run: SyncRunDto } }>((resolve) => {
		fake.onRequest = (request) => {
			if (request.route === 'chat' && ++bodies === 40) {
				void admin
					.json<{ run: SyncRunDto }>(`/api/v1/admin/instances/${id}/sync`, { method: 'DELETE' })
					.then(resolve);
			}
		};
	});
	const run = await startSync(admin, id);
	const cancel = await stopped;
	fake.onRequest = undefined;
	expect(cancel.status).toBe(200);
	expect(cancel.body.run).toMatchObject({
		id: run.id,
		status: 'cancelled',
		error: 'Stopped by an admin.'
	});
	expect((await waitForRun(admin, id, run.id)).status).toBe('cancelled');
	const next = await syncNow(admin, id);
	expect(next.status).toBe('succeeded');
	await expectExact(fake, id);
});

test('a graceful shutdown mid-run records the run as interrupted', async () => {
	const { fake, id } = await instance();
	let bodies = 0;
	const stopped = new Promise<number | null>((resolve) => {
		fake.onRequest = (request) => {
			if (request.route === 'chat' && ++bodies === 30) void server.stop().then(resolve);
		};
	});
	const run = await startSync(admin, id);
	expect(await stopped).toBe(0);
	fake.onRequest = undefined;
	await server.restart();
	const cookies = admin.cookies;
	admin = new HttpClient(server.url);
	admin.cookies = cookies;
	const [stoppedRun] = await runs(id);
	expect(stoppedRun).toMatchObject({
		id: run.id,
		status: 'interrupted',
		error: 'Parley stopped during the run; the next run resumes.'
	});
	expect((await syncNow(admin, id)).status).toBe('succeeded');
	await expectExact(fake, id);
});

test('stopping when nothing runs is a 404', async () => {
	const { id } = await instance();
	const response = await admin.json(`/api/v1/admin/instances/${id}/sync`, { method: 'DELETE' });
	expect(response.status).toBe(404);
});
