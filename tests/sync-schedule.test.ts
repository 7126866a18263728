import { expect, test } from 'vitest';
import type { InstanceView, SyncRunDto } from '#lib/shared/sync.ts';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import type { HttpClient } from './helpers/client.ts';
import { dbDate, withTestDb } from './helpers/database.ts';
import { addInstance, waitForRun } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let admin: HttpClient;
let fake: FakeOpenWebUI;

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		return { env: { SYNC_SCHEDULER_TICK_MS: '200' }, fakes: [fake] };
	},
	async (kit) => {
		admin = (await kit.account()).http;
		new World(fake.data, 9).populate({ users: 2, chatsPerUser: 2 });
	}
);

const runsOf = async (id: string) =>
	(await admin.json<{ runs: SyncRunDto[] }>(`/api/v1/admin/instances/${id}/runs`)).body.runs;

async function setNextSync(id: string, at: Date) {
	const changed = await withTestDb(server, (db) =>
		db.run('UPDATE "Instance" SET "nextSyncAt" = ? WHERE "id" = ?', dbDate(at), id)
	);
	expect(changed).toBe(1);
}

test('an instance syncs on its schedule, and the next one is an interval later', async () => {
	const instance = await addInstance(admin, fake, { scheduled: true, intervalMinutes: 60 });
	const due = new Date(instance.nextSyncAt ?? 0).getTime() - Date.now();
	expect(due).toBeGreaterThan(59 * 60_000);
	await new Promise((r) => setTimeout(r, 800));
	expect(await runsOf(instance.id)).toEqual([]);

	await setNextSync(instance.id, new Date(Date.now() - 1000));
	await expect.poll(async () => (await runsOf(instance.id)).length, { timeout: 10_000 }).toBe(1);
	const [started] = await runsOf(instance.id);
	expect(started.trigger).toBe('schedule');
	expect((await waitForRun(admin, instance.id, started.id)).status).toBe('succeeded');
	const { body } = await admin.json<{ instance: InstanceView }>(
		`/api/v1/admin/instances/${instance.id}`
	);
	const next =
		new Date(body.instance.nextSyncAt ?? 0).getTime() - new Date(started.startedAt).getTime();
	expect(next).toBe(60 * 60_000);
	await new Promise((r) => setTimeout(r, 800));
	expect(await runsOf(instance.id)).toHaveLength(1);
});

test('an instance that is not scheduled never syncs on its own', async () => {
	const instance = await addInstance(admin, fake, { scheduled: false });
	expect(instance.nextSyncAt).toBeNull();
	await setNextSync(instance.id, new Date(Date.now() - 1000));
	await new Promise((r) => setTimeout(r, 1000));
	expect(await runsOf(instance.id)).toEqual([]);
});
