/**
 * Open WebUI sync against a fake instance on 127.0.0.1: the first full sync, an unchanged re-sync
 * and a re-sync after 1% of the chats changed. Run `npm run build` first, then `npm run bench:sync`.
 * See bench/README.md for how to read the output.
 *
 * Options (argv or env): --users=1000 (BENCH_USERS), --chats=20000 (BENCH_CHATS),
 * --concurrency=4 and --rate=200 (the instance's politeness limits).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { SyncRunDto } from '#lib/shared/sync.ts';
import type { HttpClient } from '../tests/helpers/client.ts';
import { parleyData, parseBenchDatabase } from './lib/database.ts';
import { guard, runMain, table } from './lib/harness.ts';
import type { CpuSample } from './lib/ipc.ts';
import { requireBuild, spawnProcess, startParley } from './lib/processes.ts';
import type { SyncFakeApi, SyncFakeInfo } from './lib/sync-fake.ts';
import { signUp } from './lib/workspace.ts';

const { values: flags } = parseArgs({
	options: {
		users: { type: 'string' },
		chats: { type: 'string' },
		concurrency: { type: 'string' },
		rate: { type: 'string' },
		db: { type: 'string' }
	}
});
const DB = parseBenchDatabase(flags.db);
const USERS = Number(flags.users ?? process.env.BENCH_USERS ?? 1000);
const CHATS = Number(flags.chats ?? process.env.BENCH_CHATS ?? 20_000);
const CONCURRENCY = Number(flags.concurrency ?? 4);
const RATE = Number(flags.rate ?? 200);
const GOAL_MS = 10_000;
const TOTAL_TIMEOUT_MS = 45 * 60_000;
/** Seeding 20,000 chats takes a while on a busy machine. */
const SEED_TIMEOUT_MS = 10 * 60_000;
const number = new Intl.NumberFormat('en-US');

guard('bench:sync', TOTAL_TIMEOUT_MS);

/** CPU seconds (user + system, all threads) a process used between two samples. */
const cpuSeconds = (a: CpuSample, b: CpuSample) => (b.user + b.system - a.user - a.system) / 1e6;

async function syncOnce(admin: HttpClient, instanceId: string, full: boolean): Promise<SyncRunDto> {
	const started = await admin.json<{ run: SyncRunDto }>(
		`/api/v1/admin/instances/${instanceId}/sync`,
		{
			method: 'POST',
			body: { full }
		}
	);
	if (started.status !== 202) {
		throw new Error(`sync: ${started.status} ${JSON.stringify(started.body)}`);
	}
	for (;;) {
		await new Promise((r) => setTimeout(r, 250));
		const { body } = await admin.json<{ runs: SyncRunDto[] }>(
			`/api/v1/admin/instances/${instanceId}/runs?limit=1`
		);
		const run = body.runs[0];
		if (run?.id === started.body.run.id && run.status !== 'running') return run;
	}
}

// ---- the run ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
	requireBuild();

	console.log(
		`bench:sync — Open WebUI sync against a fake instance on 127.0.0.1 (${os.cpus().length} cores, Node ${process.versions.node})`
	);
	const fakeProcess = await spawnProcess<SyncFakeApi, SyncFakeInfo>('bench/lib/sync-fake.ts', {
		name: 'fake Open WebUI',
		env: { BENCH_USERS: String(USERS), BENCH_CHATS: String(CHATS) },
		readyTimeoutMs: SEED_TIMEOUT_MS
	});
	const fake = fakeProcess.info;
	console.log(
		`fake: ${number.format(fake.users)} users, ${number.format(fake.chats)} chats, ${number.format(fake.messages)} messages (seeded in ${(fake.seedMs / 1000).toFixed(1)} s)`
	);
	// OUTBOUND_ALLOW: the fake is on 127.0.0.1, which Parley refuses to reach otherwise.
	const parley = await startParley(await parleyData(DB, 'parley-bench-sync-'), {
		env: { SYNC_SCHEDULER_TICK_MS: '0', OUTBOUND_ALLOW: new URL(fake.url).host }
	});
	const admin = (await signUp(parley.url, 'bench@parley.test', 'Bench')).http;
	const created = await admin.json<{ id: string }>('/api/v1/admin/instances', {
		method: 'POST',
		body: {
			name: 'bench',
			baseUrl: fake.url,
			apiKey: fake.adminKey,
			scheduled: false,
			concurrency: CONCURRENCY,
			requestsPerSecond: RATE
		}
	});
	if (created.status !== 201) throw new Error(`instance: ${created.status}`);
	const instanceId = created.body.id;
	console.log(`instance limits: ${CONCURRENCY} requests at once, at most ${RATE} per second\n`);

	interface Row {
		label: string;
		run: SyncRunDto;
		counts: Record<string, number>;
		total: number;
		/** CPU seconds used during the run by Parley and by the fake. */
		cpu: [number, number];
	}
	const rows: Row[] = [];
	async function measure(label: string, full: boolean) {
		await fakeProcess.api.counts(true);
		const before = await Promise.all([parley.api.cpu(), fakeProcess.api.cpu()]);
		const run = await syncOnce(admin, instanceId, full);
		const after = await Promise.all([parley.api.cpu(), fakeProcess.api.cpu()]);
		const { counts, total } = await fakeProcess.api.counts(true);
		rows.push({
			label,
			run,
			counts,
			total,
			cpu: [cpuSeconds(before[0], after[0]), cpuSeconds(before[1], after[1])]
		});
		process.stdout.write(
			`  ${label}: ${run.status} in ${((run.durationMs ?? 0) / 1000).toFixed(1)} s\n`
		);
		if (run.status !== 'succeeded') {
			console.log(`    ${run.error ?? JSON.stringify(run.errors.slice(0, 3))}`);
		}
	}

	await measure('first full sync', false);
	await measure('unchanged re-sync', false);
	const changed = await fakeProcess.api.change(0.01);
	await measure(`1% changed re-sync (${number.format(changed.chats)} chats)`, false);

	const items = (run: SyncRunDto) =>
		Object.values(run.counts).reduce((sum, c) => sum + c.added + c.updated + c.deleted, 0);
	const header = [
		'run',
		'time',
		'items',
		'items/s',
		'requests',
		'chat bodies',
		'chat lists',
		'Parley CPU',
		'fake CPU',
		'status'
	];
	const cpu = (seconds: number) => `${seconds.toFixed(1)} s`;
	const cells = rows.map((r) => {
		const seconds = (r.run.durationMs ?? 0) / 1000;
		return [
			r.label,
			`${seconds.toFixed(1)} s`,
			number.format(items(r.run)),
			number.format(Math.round(items(r.run) / seconds)),
			number.format(r.total),
			number.format(r.counts.chat ?? 0),
			number.format(r.counts['chat-list'] ?? 0),
			cpu(r.cpu[0]),
			cpu(r.cpu[1]),
			r.run.status
		];
	});
	console.log(`\n${table([header, ...cells], 1)}`);

	const unchanged = rows[1];
	const ok =
		unchanged.run.status === 'succeeded' &&
		(unchanged.run.durationMs ?? Infinity) < GOAL_MS &&
		(unchanged.counts.chat ?? 0) === 0;
	console.log(
		`load average now: ${os
			.loadavg()
			.map((l) => l.toFixed(2))
			.join(', ')}`
	);
	console.log(
		`\nverdict: ${ok ? 'PASS' : 'FAIL'}: unchanged re-sync ${((unchanged.run.durationMs ?? 0) / 1000).toFixed(1)} s (goal < ${GOAL_MS / 1000} s) with ${unchanged.counts.chat ?? 0} chat-body requests (goal 0)`
	);
	if (!ok) process.exitCode = 1;
	await parley.stop();
	await fakeProcess.stop();
}

await runMain(main);
