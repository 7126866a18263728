import { expect, test } from 'vitest';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import { cliEnv, runCli } from './helpers/cli.ts';
import { withTestDb } from './helpers/database.ts';
import { allowOutbound } from './helpers/server.ts';
import { actualTotals, addInstance, expectedTotals } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenWebUI;
let env: Record<string, string>;
let instanceId: string;

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		return { fakes: [fake] };
	},
	async (kit) => {
		const admin = (await kit.account()).http;
		new World(fake.data, 21).populate({ users: 5, chatsPerUser: 3, catalogEvery: 1 });
		instanceId = (await addInstance(admin, fake, { name: 'Team Chat' })).id;
		await addInstance(admin, fake, { name: 'Other', apiKey: 'sk-wrong' });
		// The CLI works on the database alone: the web server need not run.
		await kit.stop();
		env = cliEnv(kit, allowOutbound(fake.url));
	}
);

test('`parley sync --instance NAME` imports with progress on stderr and a summary on stdout', async () => {
	const { code, stdout, stderr } = await runCli(['sync', '--instance', 'Team Chat'], env);
	expect(code, stderr).toBe(0);
	expect(stderr).toContain(`Syncing Team Chat (${fake.url})…`);
	expect(stderr).toMatch(/✓ Users\s+\[█+\]\s+5\/5\s+\+5 ~0 -0/);
	expect(stderr).toMatch(/✓ Chats /);
	expect(stdout).toMatch(/^Team Chat: succeeded in \d+\.\d s, \d+ requests\n/);
	expect(stdout).toContain('  Users            +5 added, 0 updated, 0 deleted, 0 unchanged');
	const actual = await withTestDb(server, (db) => actualTotals(db, instanceId));
	expect(actual).toEqual(expectedTotals(fake));
});

test('`parley sync status` lists instances, last runs and totals', async () => {
	const { code, stdout } = await runCli(['sync', 'status'], env);
	expect(code).toBe(0);
	const [header, ...rows] = stdout.trim().split('\n');
	expect(header).toMatch(
		/^Instance\s+Version\s+Last run\s+Status\s+Users\s+Chats\s+Messages\s+Next$/
	);
	const team = rows.find((r) => r.startsWith('Team Chat'));
	expect(team).toMatch(
		/0\.11\.0\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC \(cli, \d+\.\d s\)\s+succeeded\s+5\s+15\s+\d+\s+manual/
	);
	expect(rows.find((r) => r.startsWith('Other'))).toMatch(/never/);
});

test('without --instance every instance syncs; a failure gives exit code 1 and its reason', async () => {
	const { code, stdout } = await runCli(['sync', '--full'], env);
	expect(code).toBe(1);
	expect(stdout).toMatch(/^Other: failed in .* — Open WebUI refused the API key \(401\)/m);
	expect(stdout).toMatch(/^Team Chat: succeeded/m);
	// A full run re-reads all 15 chats and finds them as imported.
	expect(stdout).toMatch(/Chats\s+\+0 added, 0 updated, 0 deleted, 15 unchanged/);
});

test('bad usage gives exit code 2 and help', async () => {
	const unknown = await runCli(['sync', '--instance', 'Nope'], env);
	expect(unknown.code).toBe(2);
	expect(unknown.stderr).toBe('No instance named “Nope”. Instances: Other, Team Chat.\n');
	const wrong = await runCli(['sync', 'now'], env);
	expect(wrong.code).toBe(2);
	expect(wrong.stderr).toContain('Usage:');
	const help = await runCli(['sync', '--help'], env);
	expect(help.code).toBe(0);
	expect(help.stdout).toContain('parley sync status');
});
