/**
 * Memory per idle authenticated Socket.IO connection: Parley's production build vs a bare
 * Socket.IO 4.8 server. Run `npm run build` first, then `npm run bench:connections`.
 * See bench/README.md for how to read the output.
 *
 * Options (argv or env): --sizes=1000,5000,10000 (BENCH_SIZES), --snapshots=<dir>
 * (BENCH_HEAP_SNAPSHOTS: write V8 heap snapshots of each server before and after connecting),
 * --profile=<dir> (a V8 CPU profile of each server while the N connections open), --db.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parleyData, parseBenchDatabase, type ParleyData } from './lib/database.ts';
import { MemberFleet } from './lib/fleet.ts';
import { fdLimit, guard, kib, machineFacts, mib, runMain, sleep, table } from './lib/harness.ts';
import type { MemorySample } from './lib/probe.ts';
import { requireBuild, settle, startParley, startServer } from './lib/processes.ts';
import { createToken, signUp } from './lib/workspace.ts';

const { values: flags } = parseArgs({
	options: {
		sizes: { type: 'string' },
		snapshots: { type: 'string' },
		profile: { type: 'string' },
		db: { type: 'string' }
	}
});
/** Issue 13: a reconnect storm should not take more than twice as long as bare Socket.IO's. */
const HANDSHAKE_GOAL = 0.5;
const DB = parseBenchDatabase(flags.db);
const SIZES = (flags.sizes ?? process.env.BENCH_SIZES ?? '1000,5000,10000').split(',').map(Number);
const SNAPSHOT_DIR = flags.snapshots ?? process.env.BENCH_HEAP_SNAPSHOTS;
const PROFILE_DIR = flags.profile;
/** Every connection is the same user from 127.0.0.1: lift the caps that would refuse them. */
const APP_ENV = {
	SOCKET_CONNECTIONS_PER_USER: '1000000',
	SOCKET_CONNECTIONS_PER_IP: '1000000'
};
/** Client worker processes; the connections are split evenly between them. */
const WORKERS = 2;
/** Handshakes in flight at once, over all workers. */
const CONCURRENCY = 500;
/** Connections opened and closed before the baseline, so lazily compiled code is in it. */
const WARMUP = 200;
const IDLE_MS = 2000;
const GOAL = 1.3;
const TOTAL_TIMEOUT_MS = 8 * 60_000;

guard('bench:connections', TOTAL_TIMEOUT_MS);

// ---- servers under test ---------------------------------------------------------------------------

// ---- load generators ------------------------------------------------------------------------------

/** Opens `total` connections from WORKERS client processes and resolves once all are connected. */
async function openConnections(url: string, total: number, token: string) {
	const members = Array.from({ length: total }, () => ({ auth: { token } }));
	return MemberFleet.open(url, members, WORKERS, CONCURRENCY);
}

// ---- one measurement ------------------------------------------------------------------------------

type Kind = 'app' | 'bare';

interface Run {
	kind: Kind;
	n: number;
	before: MemorySample;
	after: MemorySample;
	released: MemorySample;
	connectMs: number;
	problems: number;
}

interface AppSetup {
	data: ParleyData;
	token: string;
}

async function measure(kind: Kind, n: number, setup: AppSetup) {
	const server =
		kind === 'app'
			? await startParley(setup.data, { env: APP_ENV })
			: await startServer('bench/lib/bare-server.ts', { name: 'bare' });
	try {
		// Same client options for both servers: the bare one ignores the token but stores the same
		// handshake, so only server-side work differs.
		const warm = await openConnections(server.url, WARMUP, setup.token);
		await warm.fleet.close();
		const before = await settle(server, 0);
		if (SNAPSHOT_DIR) {
			await server.api.snapshot(path.join(SNAPSHOT_DIR, `${kind}-${n}-before.heapsnapshot`));
		}
		if (PROFILE_DIR) await server.api.profileStart();
		const { fleet, ms } = await openConnections(server.url, n, setup.token);
		if (PROFILE_DIR) {
			await server.api.profileStop(path.join(PROFILE_DIR, `${kind}-${n}.cpuprofile`));
		}
		await sleep(IDLE_MS);
		const after = await settle(server, n);
		if (SNAPSHOT_DIR) {
			await server.api.snapshot(path.join(SNAPSHOT_DIR, `${kind}-${n}-after.heapsnapshot`));
		}
		await fleet.close();
		const released = await settle(server, 0);
		return {
			kind,
			n,
			before,
			after,
			released,
			connectMs: ms,
			problems: server.problems.length
		} satisfies Run;
	} finally {
		await server.stop();
	}
}

/** Creates the one user and API token every app connection authenticates with. */
async function setUpApp(): Promise<AppSetup> {
	const data = await parleyData(DB);
	const server = await startParley(data);
	try {
		const user = await signUp(server.url, 'bench@example.test', 'Bench');
		return { data, token: await createToken(user, 'bench') };
	} finally {
		await server.stop();
	}
}

// ---- output ---------------------------------------------------------------------------------------

const perConn = (run: Run, key: 'heapUsed' | 'rss') => (run.after[key] - run.before[key]) / run.n;

// ---- main -----------------------------------------------------------------------------------------

async function main(): Promise<void> {
	requireBuild();
	if (SIZES.some((n) => !Number.isInteger(n) || n < 1)) {
		throw new Error('--sizes must be a comma-separated list of positive integers');
	}
	const maxN = Math.max(...SIZES);
	const limit = fdLimit();
	if (limit < maxN + 1024) {
		throw new Error(
			`open-file limit is ${limit}; ${maxN} connections need at least ${maxN + 1024} in the server ` +
				`process. Run: bash -c 'ulimit -n 65536; node bench/connections.ts'`
		);
	}
	if (SNAPSHOT_DIR) mkdirSync(SNAPSHOT_DIR, { recursive: true });
	if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });

	const cores = os.cpus().length;
	console.log('bench:connections: idle authenticated Socket.IO connections, app vs bare server');
	console.log(machineFacts());
	console.log(
		`note: the load generator (${WORKERS} client processes, ${CONCURRENCY} handshakes in flight) ` +
			`shares these ${cores} cores with the server under test; connect times are indicative ` +
			`only. Memory is read inside the server process after forced full GCs.`
	);
	console.log(
		`method: fresh server process per (server, N); ${WARMUP} warm-up connections opened and ` +
			`closed; baseline; N connections; ${IDLE_MS} ms idle; sample. App: production build, one ` +
			`user, one API token (auth: { token }) validated on every handshake.\n`
	);

	const setup = await setUpApp();
	const runs: Run[] = [];
	for (const n of SIZES) {
		for (const kind of ['bare', 'app'] as const) {
			const run = await measure(kind, n, setup);
			runs.push(run);
			console.log(
				`${kind.padEnd(4)} N=${String(n).padStart(5)}: heapUsed ${mib(run.before.heapUsed)} -> ` +
					`${mib(run.after.heapUsed)} (after close ${mib(run.released.heapUsed)}), ` +
					`heapTotal ${mib(run.before.heapTotal)} -> ${mib(run.after.heapTotal)}, ` +
					`rss ${mib(run.before.rss)} -> ${mib(run.after.rss)}, ` +
					`external ${mib(run.before.external)} -> ${mib(run.after.external)}, ` +
					`connected in ${run.connectMs} ms` +
					(run.problems ? `, ${run.problems} warn/error log lines` : '')
			);
		}
	}

	const rows = [
		['N', 'app heap/conn', 'bare heap/conn', 'ratio', 'app RSS/conn', 'bare RSS/conn', 'ratio']
	];
	const runFor = (kind: Kind, n: number): Run => {
		const run = runs.find((r) => r.kind === kind && r.n === n);
		if (!run) throw new Error(`no ${kind} run for N=${n}`);
		return run;
	};
	const ratios: { n: number; heap: number }[] = [];
	for (const n of SIZES) {
		const app = runFor('app', n);
		const bare = runFor('bare', n);
		const heap = perConn(app, 'heapUsed') / perConn(bare, 'heapUsed');
		const rss = perConn(app, 'rss') / perConn(bare, 'rss');
		ratios.push({ n, heap });
		rows.push([
			String(n),
			kib(perConn(app, 'heapUsed')),
			kib(perConn(bare, 'heapUsed')),
			`${heap.toFixed(2)}x`,
			kib(perConn(app, 'rss')),
			kib(perConn(bare, 'rss')),
			`${rss.toFixed(2)}x`
		]);
	}
	console.log(`\n${table(rows)}\n`);

	// A reconnect storm after a restart: how fast N sockets complete their handshake. The app checks
	// the token on every one (a database read); bare Socket.IO does nothing.
	const rates = [['N', 'app handshakes/s', 'bare handshakes/s', 'app/bare']];
	for (const n of SIZES) {
		const app = n / (runFor('app', n).connectMs / 1000);
		const bare = n / (runFor('bare', n).connectMs / 1000);
		rates.push([
			String(n),
			Math.round(app).toLocaleString('en-US'),
			Math.round(bare).toLocaleString('en-US'),
			`${(app / bare).toFixed(2)}x`
		]);
	}
	console.log(
		`authenticated handshakes per second (goal >= ${HANDSHAKE_GOAL}x bare)\n${table(rates)}\n`
	);
	const largest = ratios[ratios.length - 1];
	const worst = Math.max(...ratios.map((r) => r.heap));
	const pass = largest.heap <= GOAL;
	const storm = SIZES[SIZES.length - 1];
	const handshakeRatio = runFor('bare', storm).connectMs / runFor('app', storm).connectMs;
	console.log(
		`verdict: ${handshakeRatio >= HANDSHAKE_GOAL ? 'PASS' : 'FAIL'}: app completes ` +
			`${handshakeRatio.toFixed(2)}x bare's handshakes per second at N=${storm} ` +
			`(goal >= ${HANDSHAKE_GOAL}x)`
	);
	console.log(
		`verdict: ${pass ? 'PASS' : 'FAIL'}: app heap per connection is ${largest.heap.toFixed(2)}x bare ` +
			`at N=${largest.n} (goal <= ${GOAL}x; worst over all N ${worst.toFixed(2)}x)`
	);
	if (SNAPSHOT_DIR) console.log(`heap snapshots in ${SNAPSHOT_DIR}`);
}

await runMain(main);
