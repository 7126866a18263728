import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SyncRunDto } from '#lib/shared/sync.ts';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import { startCli } from './helpers/cli.ts';
import { newUser, type HttpClient } from './helpers/client.ts';
import { openDb } from './helpers/db.ts';
import { allowOutbound, disposeServer, startServer, type TestServer } from './helpers/server.ts';
import { actualTotals, addInstance, expectedTotals, waitForRun } from './helpers/sync.ts';

let server: TestServer;
let admin: HttpClient;
let fake: FakeOpenWebUI;
let instanceId: string;
let name: string;

beforeAll(async () => {
	fake = await FakeOpenWebUI.start();
	server = await startServer({ env: allowOutbound(fake.url) });
	admin = (await newUser(server.url)).client;
	new World(fake.data, 5).populate({ users: 6, chatsPerUser: 8 });
	// Slow chat answers: each full run lasts a few seconds.
	fake.fault({ route: 'chat', delayMs: 250 });
	({ id: instanceId, name } = await addInstance(admin, fake));
});

afterAll(async () => {
	await disposeServer(server);
	await fake.close();
});

const start = (full = false) =>
	admin.json<{ run: SyncRunDto } & { error?: { code: string; message: string } }>(
		`/api/v1/admin/instances/${instanceId}/sync`,
		{ method: 'POST', body: { full } }
	);

test('two runs of one instance cannot happen at once (same server)', async () => {
	const [a, b] = await Promise.all([start(), start()]);
	const statuses = [a.status, b.status].sort();
	expect(statuses).toEqual([202, 409]);
	const refused = a.status === 409 ? a : b;
	expect(refused.body.error?.message).toMatch(/^A sync of .+ is already running/);
	const accepted = a.status === 202 ? a : b;
	const run = await waitForRun(admin, instanceId, accepted.body.run.id);
	expect(run.status).toBe('succeeded');
	// Only one run was recorded.
	const { body } = await admin.json<{ runs: SyncRunDto[] }>(
		`/api/v1/admin/instances/${instanceId}/runs`
	);
	expect(body.runs).toHaveLength(1);
});

test('the CLI and the server share the lock, both ways', async () => {
	const env = { DATA_DIR: server.dataDir, ...allowOutbound(fake.url) };
	// The server runs; the CLI is refused with exit code 3 and the holder.
	const running = await start(true);
	expect(running.status).toBe(202);
	const refused = await startCli(['sync', '--instance', name], env).exited;
	expect(refused.code).toBe(3);
	expect(refused.stderr).toMatch(
		new RegExp(`A sync of ${name} is already running \\(by process \\d+ on `)
	);
	await waitForRun(admin, instanceId, running.body.run.id);

	// The CLI runs (a full run: slow enough); the server is refused.
	const cli = startCli(['sync', '--instance', name, '--full'], env);
	await expect
		.poll(
			async () => {
				const db = openDb(server);
				try {
					return (db.prepare('SELECT count(*) n FROM SyncLock').get() as { n: number }).n;
				} finally {
					db.close();
				}
			},
			{ timeout: 15_000, interval: 50 }
		)
		.toBe(1);
	const blocked = await start();
	expect(blocked.status).toBe(409);
	expect(blocked.body.error?.message).toMatch(/already running \(by process \d+ on /);
	const done = await cli.exited;
	expect(done.code, done.stderr).toBe(0);
	expect(done.stdout).toMatch(new RegExp(`^${name}: succeeded in \\d+\\.\\d s`));

	const db = openDb(server);
	try {
		expect(actualTotals(db, instanceId)).toEqual(expectedTotals(fake));
		expect((db.prepare('SELECT count(*) n FROM SyncLock').get() as { n: number }).n).toBe(0);
	} finally {
		db.close();
	}
	const { body } = await admin.json<{ runs: SyncRunDto[] }>(
		`/api/v1/admin/instances/${instanceId}/runs`
	);
	expect(body.runs[0]).toMatchObject({ trigger: 'cli', full: true, status: 'succeeded' });
});
