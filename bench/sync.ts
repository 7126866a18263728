/**
 * Open WebUI sync against a fake instance on 127.0.0.1: the first full sync, an unchanged re-sync
 * and a re-sync after 1% of the chats changed. Run `npm run build` first, then `npm run bench:sync`.
 * See bench/README.md for how to read the output.
 *
 * Options (argv or env): --users=1000 (BENCH_USERS), --chats=20000 (BENCH_CHATS),
 * --concurrency=4 and --rate=200 (the instance's politeness limits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { SyncRunDto } from '#lib/shared/sync.ts';
import { HttpClient } from '../tests/helpers/client.ts';
import type { FakeReply, FakeRequest } from './lib/sync-ipc.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
	options: {
		users: { type: 'string' },
		chats: { type: 'string' },
		concurrency: { type: 'string' },
		rate: { type: 'string' }
	}
});
const USERS = Number(flags.users ?? process.env.BENCH_USERS ?? 1000);
const CHATS = Number(flags.chats ?? process.env.BENCH_CHATS ?? 20_000);
const CONCURRENCY = Number(flags.concurrency ?? 4);
const RATE = Number(flags.rate ?? 200);
const GOAL_MS = 10_000;
const TOTAL_TIMEOUT_MS = 45 * 60_000;
const number = new Intl.NumberFormat('en-US');

// ---- housekeeping: every child and the data folder go on any exit path -------------------------

const children = new Set<ChildProcess>();
let dataDir: string | undefined;

function cleanup(): void {
	for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
	if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	dataDir = undefined;
}

function fail(error: unknown): never {
	console.error(`\nbench:sync failed: ${error instanceof Error ? error.message : String(error)}`);
	cleanup();
	process.exit(1);
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => fail(new Error(`interrupted (${signal})`)));
}
setTimeout(() => fail(new Error('took longer than 45 minutes')), TOTAL_TIMEOUT_MS).unref();

function spawnTracked(args: string[], env: Record<string, string | undefined>, ipc = false) {
	const child = spawn(process.execPath, args, {
		cwd: ROOT,
		env,
		stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe']
	});
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux): a figure that does not
 * depend on how busy the machine is, unlike wall time. Null where /proc is missing.
 */
function cpuSeconds(pid: number | undefined): number | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ)
	} catch {
		return null;
	}
}

// ---- the fake instance -----------------------------------------------------------------------------

async function startFake() {
	const child = spawnTracked(
		['bench/lib/sync-fake.ts'],
		{
			...process.env,
			BENCH_USERS: String(USERS),
			BENCH_CHATS: String(CHATS)
		},
		true
	);
	let stderr = '';
	child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
	const ready = await new Promise<Extract<FakeReply, { type: 'ready' }>>((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`the fake exited (${code}):\n${stderr}`)));
		child.on('message', (reply: FakeReply) => {
			if (reply.type === 'ready') resolve(reply);
		});
	});
	let nextId = 1;
	const ask = <T extends FakeReply['type']>(request: FakeRequest, type: T) =>
		new Promise<Extract<FakeReply, { type: T }>>((resolve) => {
			const onReply = (reply: FakeReply) => {
				if (reply.type === type && 'id' in reply && reply.id === request.id) {
					child.off('message', onReply);
					resolve(reply as Extract<FakeReply, { type: T }>);
				}
			};
			child.on('message', onReply);
			child.send(request);
		});
	return {
		...ready,
		pid: child.pid,
		counts: (reset = true) => ask({ type: 'counts', id: nextId++, reset }, 'counts'),
		change: (share: number) => ask({ type: 'change', id: nextId++, share }, 'changed')
	};
}

// ---- Parley --------------------------------------------------------------------------------------

/** Starts Parley, allowed to reach the fake at `fakeUrl` (OUTBOUND_ALLOW: 127.0.0.1 is refused otherwise). */
async function startParley(fakeUrl: string): Promise<{ url: string; pid: number | undefined }> {
	dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-sync-'));
	const env: Record<string, string | undefined> = {
		...process.env,
		HOST: '127.0.0.1',
		PORT: '0',
		DATA_DIR: dataDir,
		LOG_LEVEL: 'info',
		SYNC_SCHEDULER_TICK_MS: '0',
		OUTBOUND_ALLOW: new URL(fakeUrl).host
	};
	delete env.ORIGIN;
	const child = spawnTracked(['server/index.ts'], env);
	let output = '';
	child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
	return new Promise((resolve, reject) => {
		child.once('exit', (code) => reject(new Error(`Parley exited (${code}):\n${output}`)));
		if (!child.stdout) throw new Error('no stdout pipe');
		createInterface({ input: child.stdout }).on('line', (line) => {
			try {
				const entry = JSON.parse(line) as { msg?: string; port?: number; level?: number };
				if (entry.msg === 'listening') {
					resolve({ url: `http://127.0.0.1:${entry.port}`, pid: child.pid });
				}
				if ((entry.level ?? 0) >= 50) output = (output + line + '\n').slice(-4000);
			} catch {
				output = (output + line + '\n').slice(-4000);
			}
		});
	});
}

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

if (!existsSync(path.join(ROOT, 'build/handler.js'))) {
	fail(new Error('no build: run `npm run build` first'));
}

console.log(
	`bench:sync — Open WebUI sync against a fake instance on 127.0.0.1 (${os.cpus().length} cores, Node ${process.versions.node})`
);
const fake = await startFake();
console.log(
	`fake: ${number.format(fake.users)} users, ${number.format(fake.chats)} chats, ${number.format(fake.messages)} messages (seeded in ${(fake.seedMs / 1000).toFixed(1)} s)`
);
const parley = await startParley(fake.url);
const admin = new HttpClient(parley.url);
const signup = await admin.signUp({ email: 'bench@parley.test', displayName: 'Bench' });
if (signup.response.status !== 303) fail(new Error(`sign-up: ${signup.response.status}`));
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
if (created.status !== 201) fail(new Error(`instance: ${created.status}`));
const instanceId = created.body.id;
console.log(`instance limits: ${CONCURRENCY} requests at once, at most ${RATE} per second\n`);

interface Row {
	label: string;
	run: SyncRunDto;
	counts: Record<string, number>;
	total: number;
	/** CPU seconds used during the run by Parley and by the fake. */
	cpu: [number | null, number | null];
}
const rows: Row[] = [];
async function measure(label: string, full: boolean) {
	await fake.counts(true);
	const before = [cpuSeconds(parley.pid), cpuSeconds(fake.pid)];
	const run = await syncOnce(admin, instanceId, full);
	const after = [cpuSeconds(parley.pid), cpuSeconds(fake.pid)];
	const used = (i: number) => {
		const [a, b] = [before[i], after[i]];
		return a === null || b === null ? null : b - a;
	};
	const { counts, total } = await fake.counts(true);
	rows.push({ label, run, counts, total, cpu: [used(0), used(1)] });
	process.stdout.write(
		`  ${label}: ${run.status} in ${((run.durationMs ?? 0) / 1000).toFixed(1)} s\n`
	);
	if (run.status !== 'succeeded') {
		console.log(`    ${run.error ?? JSON.stringify(run.errors.slice(0, 3))}`);
	}
}

await measure('first full sync', false);
await measure('unchanged re-sync', false);
const changed = await fake.change(0.01);
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
const cpu = (seconds: number | null) => (seconds === null ? '?' : `${seconds.toFixed(1)} s`);
const table = rows.map((r) => {
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
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) =>
	cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const row of table) console.log(line(row));

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
cleanup();
process.exit(ok ? 0 : 1);
