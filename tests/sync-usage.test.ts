/**
 * Imported Open WebUI data in the usage dashboard: after a sync, the reports (read from the
 * rollups the sync refreshed) add up exactly to the fake's data per model, person and day; after
 * changes and hard deletions they follow, equal a full `parley usage rebuild`, and leave deleted
 * chats out. Names and the instance filter come from the synced instance.
 */
import { describe, expect, test } from 'vitest';
import type { ReportResult } from '#lib/shared/usage.ts';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import { runCli } from './helpers/cli.ts';
import type { HttpClient } from './helpers/client.ts';
import { addInstance, expectedTotals, syncNow, type Totals } from './helpers/sync.ts';
import { snapshotRollups } from './helpers/usage.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenWebUI;
let world: World;
let admin: HttpClient;
let instance: { id: string; name: string };

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		world = new World(fake.data, 23);
		world.populate({ users: 8, chatsPerUser: 4 });
		return { fakes: [fake] };
	},
	async (kit) => {
		admin = (await kit.account()).http;
		instance = await addInstance(admin, fake);
		const run = await syncNow(admin, instance.id);
		expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
	}
);

/** The fake's data lie within the last 30 days; 90 leaves room either side. */
async function report(name: string, filter = instance.id) {
	const query = `range=90d&tz=UTC&instance=${encodeURIComponent(filter)}&pageSize=500`;
	const { status, body } = await admin.json<ReportResult>(`/api/v1/admin/usage/${name}?${query}`);
	expect(status, JSON.stringify(body)).toBe(200);
	return body;
}

/** What the dashboard shows, in the shape of the expected totals. */
async function reported(): Promise<Pick<Totals, 'byModel' | 'byUser' | 'byDay'>> {
	const byModel: Totals['byModel'] = {};
	for (const r of (await report('models')).rows) {
		byModel[String(r.model)] = [
			Number(r.promptTokens),
			Number(r.completionTokens),
			Number(r.answers)
		];
	}
	const byUser: Totals['byUser'] = {};
	for (const r of (await report('users')).rows) {
		if (Number(r.answers) === 0) continue;
		byUser[String(r.userId)] = [
			Number(r.promptTokens),
			Number(r.completionTokens),
			Number(r.answers)
		];
	}
	const byDay: Totals['byDay'] = {};
	for (const r of (await report('daily-messages')).rows) {
		const row = (byDay[String(r.day)] ??= [0, 0]);
		row[r.kind === 'answer' ? 0 : 1] += Number(r.messages);
	}
	return { byModel, byUser, byDay };
}

function expected() {
	const { byModel, byUser, byDay } = expectedTotals(fake);
	return { byModel, byUser, byDay };
}

const rollupsOnly = async (url: string) => {
	const { UsageBucket, UsageBucketDay, UsageUserDay, UsageUserModelDay } =
		await snapshotRollups(url);
	return { UsageBucket, UsageBucketDay, UsageUserDay, UsageUserModelDay };
};

describe('imported usage in the dashboard', () => {
	test('a first sync shows exactly the fake’s tokens and answers per model, person and day', async () => {
		const want = expected();
		expect(Object.keys(want.byModel).length).toBeGreaterThan(1);
		expect(await reported()).toEqual(want);
	});

	test('people show under their Open WebUI names; the filter offers the instance by name', async () => {
		const users = (await report('users')).rows;
		const names = new Set([...fake.data.users.values()].map((u) => u.name));
		expect(users.length).toBeGreaterThan(0);
		for (const row of users) {
			expect(names).toContain(row.user);
			expect(row.instance).toBe(instance.name);
		}
		expect((await report('summary', instance.name)).filters.instance).toBe(instance.id);
		// This Parley's own usage is separate: nothing was used here.
		expect((await report('models', 'local')).rows).toEqual([]);
	});

	test('after changes and hard deletions the reports follow and equal a full rebuild', async () => {
		const users = [...fake.data.users.values()];
		const chatsOf = (userId: string) =>
			[...fake.data.chats.values()].filter((c) => c.user_id === userId);
		world.addChat(users[0].id);
		world.addTurn(chatsOf(users[1].id)[0].id);
		world.dropLastAnswer(chatsOf(users[2].id)[0].id);
		world.deleteChat(chatsOf(users[3].id)[0].id);
		world.deleteUser(users[4].id);
		const run = await syncNow(admin, instance.id);
		expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');

		const want = expected();
		expect(await reported()).toEqual(want);
		expect(Object.keys(want.byUser)).not.toContain(users[4].id);

		const refreshed = await rollupsOnly(server.databaseUrl);
		const rebuilt = await runCli(['usage', 'rebuild'], {
			DATA_DIR: server.dataDir,
			DATABASE_URL: server.databaseUrl
		});
		expect(rebuilt.code, rebuilt.stderr).toBe(0);
		expect(await rollupsOnly(server.databaseUrl)).toEqual(refreshed);
	});

	test('deleting the instance takes its usage out of the dashboard', async () => {
		const removed = await admin.json(`/api/v1/admin/instances/${instance.id}`, {
			method: 'DELETE'
		});
		expect(removed.status, JSON.stringify(removed.body)).toBeLessThan(300);
		const gone = await admin.json<{ error?: { code: string } }>(
			`/api/v1/admin/usage/summary?range=90d&tz=UTC&instance=${encodeURIComponent(instance.id)}`
		);
		expect(gone.body.error?.code).toBe('validation');
		const everything = await admin.json<ReportResult>(
			'/api/v1/admin/usage/models?range=90d&tz=UTC'
		);
		expect(everything.body.rows).toEqual([]);
	});
});
