import { expect, test } from 'vitest';
import type { SyncRunDto } from '#lib/shared/sync.ts';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import { cliEnv, startCli } from './helpers/cli.ts';
import type { HttpClient } from './helpers/client.ts';
import { dbDate, withTestDb, type TestDb } from './helpers/database.ts';
import { allowOutbound } from './helpers/server.ts';
import { actualTotals, addInstance, expectedTotals, waitForRun } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let admin: HttpClient;
let fake: FakeOpenWebUI;
let instanceId: string;
let name: string;

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		return { fakes: [fake] };
	},
	async (kit) => {
		admin = (await kit.account()).http;
		new World(fake.data, 5).populate({ users: 6, chatsPerUser: 8 });
		// Slow chat answers: each full run lasts a few seconds.
		fake.fault({ route: 'chat', delayMs: 250 });
		({ id: instanceId, name } = await addInstance(admin, fake));
	}
);

const lockCount = async (db: TestDb) =>
	(await db.get<{ n: number }>('SELECT count(*) AS n FROM "SyncLock"'))?.n;

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
	const env = cliEnv(server, allowOutbound(fake.url));
	// The server runs (its chat requests held until the CLI gave up); the CLI is refused with exit
	// code 3 and the holder.
	const releaseServer = fake.hold('chat');
	const running = await start(true);
	expect(running.status).toBe(202);
	const refused = await startCli(['sync', '--instance', name], env).exited;
	releaseServer();
	expect(refused.code, refused.stdout + refused.stderr).toBe(3);
	expect(refused.stderr).toMatch(
		new RegExp(`A sync of ${name} is already running \\(by process \\d+ on `)
	);
	await waitForRun(admin, instanceId, running.body.run.id);

	// The CLI runs (its chat requests held until the server was refused); the server is refused.
	const releaseCli = fake.hold('chat');
	const cli = startCli(['sync', '--instance', name, '--full'], env);
	await expect.poll(() => withTestDb(server, lockCount), { timeout: 15_000, interval: 50 }).toBe(1);
	const blocked = await start();
	expect(blocked.status).toBe(409);
	expect(blocked.body.error?.message).toMatch(/already running \(by process \d+ on /);
	releaseCli();
	const done = await cli.exited;
	expect(done.code, done.stderr).toBe(0);
	expect(done.stdout).toMatch(new RegExp(`^${name}: succeeded in \\d+\\.\\d s`));

	await withTestDb(server, async (db) => {
		expect(await actualTotals(db, instanceId)).toEqual(expectedTotals(fake));
		expect(await lockCount(db)).toBe(0);
	});
	const { body } = await admin.json<{ runs: SyncRunDto[] }>(
		`/api/v1/admin/instances/${instanceId}/runs`
	);
	expect(body.runs[0]).toMatchObject({ trigger: 'cli', full: true, status: 'succeeded' });
});

test('a CLI run killed with SIGKILL: the run that takes its lock over records it as interrupted', async () => {
	const env = cliEnv(server, allowOutbound(fake.url));
	let bodies = 0;
	const midRun = new Promise<void>((resolve) => {
		fake.onRequest = (request) => {
			if (request.route === 'chat' && ++bodies === 8) resolve();
		};
	});
	const cli = startCli(['sync', '--instance', name, '--full'], env);
	await midRun;
	fake.onRequest = undefined;
	cli.child.kill('SIGKILL');
	const exited = await cli.exited;
	expect(exited.code).toBeNull();

	const runRow = async () => {
		const row = await withTestDb(server, (db) =>
			db.get<{ id: string; status: string; error: string | null; finishedAt: unknown }>(
				`SELECT "id", "status", "error", "finishedAt" FROM "SyncRun" WHERE "trigger" = 'cli' ORDER BY "startedAt" DESC LIMIT 1`
			)
		);
		if (!row) throw new Error('no run of the CLI was recorded');
		return row;
	};
	const killed = await runRow();
	// Nobody has looked yet: the dead process's run still says running, and its lock is there.
	expect(killed.status).toBe('running');

	const next = await start();
	expect(next.status).toBe(202);
	expect(await runRow()).toMatchObject({
		id: killed.id,
		status: 'interrupted',
		error: expect.stringMatching(
			/^The process running it \(pid \d+ on .+\) stopped \(crash or kill\); the next run resumes/
		) as string,
		finishedAt: expect.anything() as unknown
	});
	const done = await waitForRun(admin, instanceId, next.body.run.id);
	expect(done.status).toBe('succeeded');
	const { body } = await admin.json<{ runs: SyncRunDto[] }>(
		`/api/v1/admin/instances/${instanceId}/runs`
	);
	expect(body.runs.filter((r) => r.status === 'running')).toEqual([]);
	await withTestDb(server, async (db) => {
		expect(await actualTotals(db, instanceId)).toEqual(expectedTotals(fake));
	});
});

test('a lock of another host is waited for while renewed, and taken over once it expired', async () => {
	// A run of a Parley on another machine sharing the database: its pid cannot be checked here.
	const runId = '019400aa-0000-7000-8000-00000000beef';
	// Replaces the run and the lock with fresh rows, as if that Parley had just written them.
	const plant = (expiresAt: number) =>
		withTestDb(server, async (db) => {
			await db.run('DELETE FROM "SyncLock" WHERE "instanceId" = ?', instanceId);
			await db.run('DELETE FROM "SyncRun" WHERE "id" = ?', runId);
			await db.run(
				`INSERT INTO "SyncRun" ("id", "instanceId", "trigger", "status", "startedAt") VALUES (?, ?, 'schedule', 'running', ?)`,
				runId,
				instanceId,
				dbDate(new Date(Date.now() - 120_000))
			);
			await db.run(
				`INSERT INTO "SyncLock" ("instanceId", "runId", "host", "pid", "heartbeatAt", "expiresAt") VALUES (?, ?, 'elsewhere.example', 4242, ?, ?)`,
				instanceId,
				runId,
				expiresAt - 60_000,
				expiresAt
			);
		});
	await plant(Date.now() + 60_000);
	const refused = await start();
	expect(refused.status).toBe(409);
	expect(refused.body.error?.message).toMatch(/by process 4242 on elsewhere\.example/);

	await plant(Date.now() - 1000);
	const next = await start();
	expect(next.status).toBe(202);
	const { body } = await admin.json<{ runs: SyncRunDto[] }>(
		`/api/v1/admin/instances/${instanceId}/runs`
	);
	expect(body.runs.find((r) => r.id === runId)).toMatchObject({
		status: 'interrupted',
		error:
			'The process running it (pid 4242 on elsewhere.example) stopped renewing its lock for over a minute; the next run resumes from here.'
	});
	expect((await waitForRun(admin, instanceId, next.body.run.id)).status).toBe('succeeded');
});
