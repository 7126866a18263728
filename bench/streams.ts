/**
 * Concurrent AI answers streaming through Parley's production build: the latency Parley adds to
 * each delta (provider write → browser receive) against clients reading the same fake provider
 * directly, the database writes per stream, and the server's CPU. Run `npm run build` first, then
 * `npm run bench:streams`. See bench/README.md for how to read the output.
 *
 * Options (argv or env): --sizes=50,200 (BENCH_STREAM_SIZES), --seconds=10 (BENCH_STREAM_SECONDS,
 * how long each answer streams), --profile=<dir> (BENCH_STREAM_PROFILE: write a V8 CPU profile of
 * the app process over each measurement window, for Chrome DevTools' Performance tab),
 * --app-node-args="--max-semi-space-size=64" (BENCH_STREAM_APP_NODE_ARGS: flags for the app's node).
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setUpProvider } from '../tests/helpers/chats.ts';
import { parleyData, parseBenchDatabase } from './lib/database.ts';
import { guard, runMain, sleep, table } from './lib/harness.ts';
import type { CpuSample } from './lib/ipc.ts';
import { now } from './lib/latency.ts';
import type { Counters } from './lib/probe.ts';
import {
	requireBuild,
	spawnProcess,
	startParley,
	startServer,
	type Server
} from './lib/processes.ts';
import type { Percentiles, StreamsClientsApi } from './lib/streams-clients.ts';
import { signUpUsers } from './lib/workspace.ts';

const { values: flags } = parseArgs({
	options: {
		sizes: { type: 'string' },
		seconds: { type: 'string' },
		profile: { type: 'string' },
		'app-node-args': { type: 'string' },
		db: { type: 'string' }
	}
});
const DB = parseBenchDatabase(flags.db);
/** Extra Node.js flags for the app process, e.g. GC settings to compare. */
const APP_NODE_ARGS = (flags['app-node-args'] ?? process.env.BENCH_STREAM_APP_NODE_ARGS ?? '')
	.split(/\s+/)
	.filter(Boolean);
/** Write a V8 CPU profile of the app process over each measurement window into this folder. */
const PROFILE_DIR = flags.profile ?? process.env.BENCH_STREAM_PROFILE;
const SIZES = (flags.sizes ?? process.env.BENCH_STREAM_SIZES ?? '50,200').split(',').map(Number);
const SECONDS = Number(flags.seconds ?? process.env.BENCH_STREAM_SECONDS ?? 10);
/** The fake waits this long between tokens: 50 tokens a second per stream. */
const DELAY_MS = 20;
const TOKENS = Math.round((SECONDS * 1000) / DELAY_MS);
/** Streams start spread over this long, so their tokens do not all fall on the same tick. */
const SPREAD_MS = 1000;
/** Deltas count from this long after the first stream started… */
const WINDOW_FROM_MS = SPREAD_MS + 1000;
/** …until this long before the first stream ends (every stream is still running in the window). */
const WINDOW_TRIM_MS = 1000;
const BASELINE_STREAMS = 10;
const GOAL_ADDED_P99_MS = 10;
const GOAL_WRITES_PER_STREAM = 4;
const SIGNUP_CONCURRENCY = 4;
const TOTAL_TIMEOUT_MS = 5 * 60_000;

guard('bench:streams', TOTAL_TIMEOUT_MS);

// ---- one measurement ----------------------------------------------------------------------------

interface Phase {
	streams: number;
	app: Percentiles;
	baseline: Percentiles;
	windowS: number;
	messageUpdatesPerS: number;
	writesPerS: number;
	activeStreams: number;
	/** Shares of one core; `machine` counts every process on the machine (other users' too). */
	cpu: { app: number; fake: number; clients: number; machine: number };
	/** App CPU time in the window per token written by the provider in it, in microseconds. */
	appMicrosPerDelta: number;
	/** The app's event-loop delay over the window (ms). */
	loopDelay: { p50: number; p99: number; max: number };
	/** Time in SQLite calls over the window: share of the window, longest call, calls over 10 ms. */
	sqlite: { share: number; maxMs: number; slow: number };
	/** GC pauses over the window: share of the window and the longest. */
	gc: { share: number; maxMs: number };
	failures: string[];
	gaps: number;
	deltas: number;
}

/** Busy and total CPU time of the whole machine so far (every process), in ms. */
function machineTimes(): { busy: number; total: number } {
	let busy = 0;
	let total = 0;
	for (const { times } of os.cpus()) {
		const all = times.user + times.nice + times.sys + times.idle + times.irq;
		total += all;
		busy += all - times.idle;
	}
	return { busy, total };
}

/** CPU time between two samples as a share of one core. */
function cpuShare(a: CpuSample, b: CpuSample): number {
	const used = b.user + b.system - (a.user + a.system);
	return used / 1000 / (b.at - a.at);
}

interface Processes {
	app: Server;
	fake: Server;
	clients: Awaited<ReturnType<typeof spawnProcess<StreamsClientsApi>>>;
	fakeUrl: string;
}

async function runPhase(
	streams: number,
	baselineStreams: number,
	tokens: number,
	procs: Processes
): Promise<Phase> {
	const durationMs = tokens * DELAY_MS;
	const goAt = now();
	const windowStart = goAt + WINDOW_FROM_MS;
	const windowEnd = goAt + durationMs - WINDOW_TRIM_MS;
	const sample = () =>
		Promise.all([
			procs.app.api.cpu(),
			procs.app.api.counters(),
			procs.fake.api.cpu(),
			procs.clients.api.cpu(),
			machineTimes()
		]);
	const samples: Promise<
		[CpuSample, Counters, CpuSample, CpuSample, { busy: number; total: number }]
	>[] = [];
	const at = (time: number) => samples.push(sleep(Math.max(0, time - now())).then(sample));
	at(windowStart);
	at(windowEnd);
	const profile =
		PROFILE_DIR && streams >= 50
			? path.resolve(PROFILE_DIR, `app-${streams}.cpuprofile`)
			: undefined;
	const profiled = profile
		? sleep(Math.max(0, windowStart - now()))
				.then(() => procs.app.api.profileStart())
				.then(() => sleep(Math.max(0, windowEnd - now())))
				.then(() => procs.app.api.profileStop(profile))
		: Promise.resolve();
	const done = await procs.clients.api.go({
		streams,
		baseline: baselineStreams,
		fakeUrl: procs.fakeUrl,
		tokens,
		delayMs: DELAY_MS,
		spreadMs: SPREAD_MS,
		windowStart,
		windowEnd
	});
	const [
		[app0, counters0, fake0, clients0, machine0],
		[app1, counters1, fake1, clients1, machine1]
	] = await Promise.all(samples);
	await profiled;
	if (profile) console.log(`CPU profile of the app over the window: ${profile}`);
	const cores = os.cpus().length;
	const windowS = (app1.at - app0.at) / 1000;
	const [s0, s1] = [counters0.sqlite, counters1.sqlite];
	const [gc0, gc1] = [counters0.gc, counters1.gc];
	return {
		streams,
		app: done.app,
		baseline: done.baseline,
		windowS,
		messageUpdatesPerS: ((s1?.messageUpdates ?? 0) - (s0?.messageUpdates ?? 0)) / windowS,
		writesPerS: ((s1?.writes ?? 0) - (s0?.writes ?? 0)) / windowS,
		activeStreams: Math.min(counters0.activeStreams ?? -1, counters1.activeStreams ?? -1),
		cpu: {
			app: cpuShare(app0, app1),
			fake: cpuShare(fake0, fake1),
			clients: cpuShare(clients0, clients1),
			machine: ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * cores
		},
		loopDelay: counters1.loopDelay ?? { p50: NaN, p99: NaN, max: NaN },
		sqlite: {
			share: ((s1?.totalMs ?? 0) - (s0?.totalMs ?? 0)) / (app1.at - app0.at),
			maxMs: s1?.maxMs ?? NaN,
			slow: (s1?.slow ?? 0) - (s0?.slow ?? 0)
		},
		gc: {
			share: ((gc1?.totalMs ?? 0) - (gc0?.totalMs ?? 0)) / (app1.at - app0.at),
			maxMs: gc1?.maxMs ?? NaN
		},
		appMicrosPerDelta: (app1.user + app1.system - app0.user - app0.system) / done.app.count,
		failures: done.failures,
		gaps: done.gaps,
		deltas: done.deltas
	};
}

// ---- output -------------------------------------------------------------------------------------

const ms = (value: number) => value.toFixed(2);
const pct = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
	requireBuild();
	if (SIZES.some((n) => !Number.isInteger(n) || n < 1) || !(SECONDS >= 5)) {
		throw new Error('--sizes must list positive integers and --seconds be at least 5');
	}
	const cpus = os.cpus();
	console.log('bench:streams: concurrent AI answers through the production build');
	console.log(
		`machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), node ${process.version}, ` +
			`load average ${os.loadavg()[0].toFixed(1)} at start; ` +
			`the fake provider, the app and the clients are separate processes sharing these cores`
	);
	console.log(
		`method: one user and one socket per stream, each answer ${TOKENS} tokens at one per ` +
			`${DELAY_MS} ms (~${1000 / DELAY_MS}/s), starts spread over ${SPREAD_MS} ms; ` +
			`${BASELINE_STREAMS} baseline streams read the fake's SSE directly in the same client ` +
			`process at the same time. Latency = client receive time - provider write time, for ` +
			`deltas written from ${WINDOW_FROM_MS / 1000} s after the first start to ` +
			`${WINDOW_TRIM_MS / 1000} s before the first end (every token counts, also when several ` +
			`arrive in one delta); DB writes and CPU over the same window.\n`
	);

	if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
	const fake = await startServer('bench/lib/streams-fake.ts', { name: 'fake provider' });
	const fakeUrl = `${fake.url}/v1`;
	const app = await startParley(await parleyData(DB, 'parley-bench-streams-'), {
		nodeArgs: APP_NODE_ARGS,
		watch: ['loop', 'gc', 'sqlite'],
		env: {
			CHAT_MAX_CONCURRENT_PER_USER: '100',
			SOCKET_CONNECTIONS_PER_IP: '1000000',
			SOCKET_EVENTS_PER_SECOND: '10000',
			SOCKET_EVENT_BURST: '100000',
			LOGIN_MAX_ATTEMPTS_PER_IP: '10000',
			SIGNUP_MAX_PER_IP_PER_HOUR: '100000',
			// The fake listens on 127.0.0.1, which the outbound guard refuses unless listed.
			OUTBOUND_ALLOW: new URL(fakeUrl).host
		}
	});
	const appUrl = app.url;

	const users = Math.max(...SIZES);
	const t0 = performance.now();
	const { owner, users: signedUp } = await signUpUsers(appUrl, users, SIGNUP_CONCURRENCY);
	await setUpProvider(owner.http, fakeUrl);
	console.log(
		`setup: ${users} users signed up in ${((performance.now() - t0) / 1000).toFixed(1)} s`
	);

	const clients = await spawnProcess<StreamsClientsApi>('bench/lib/streams-clients.ts', {
		name: 'client process',
		// A phase's `go` lasts as long as its answers stream.
		callTimeoutMs: Math.max(120_000, TOKENS * DELAY_MS + 60_000)
	});
	const connected = await clients.api.connect(
		appUrl,
		signedUp.map((user) => user.cookie)
	);
	if (connected.failed) {
		throw new Error(`${connected.failed} sockets failed: ${connected.firstError}`);
	}
	console.log(
		`setup: ${connected.sockets} sockets connected, each with a chat, in ${connected.ms} ms`
	);
	const procs = { app, fake, clients, fakeUrl };

	// Warm-up: JIT, Prisma's query cache, connection pools to the fake.
	await runPhase(Math.min(20, users), 2, Math.round(3000 / DELAY_MS), procs);
	await sleep(1000);

	const phases: Phase[] = [];
	for (const n of SIZES) {
		const phase = await runPhase(n, BASELINE_STREAMS, TOKENS, procs);
		phases.push(phase);
		console.log(
			`N=${n}: ${phase.app.count} app tokens and ${phase.baseline.count} baseline tokens in a ` +
				`${phase.windowS.toFixed(1)} s window (${phase.deltas} deltas received in all), ` +
				`${phase.activeStreams} answers streaming in the window, gaps ${phase.gaps}` +
				(phase.failures.length ? `, FAILURES ${phase.failures.length}: ${phase.failures[0]}` : '')
		);
		await sleep(1500); // let the answers' last writes and title requests settle
	}

	const rows = [
		[
			'streams',
			'app p50',
			'app p99',
			'app max',
			'base p50',
			'base p99',
			'added p50',
			'added p99',
			'UPDATE/s',
			'per stream',
			'writes/s',
			'app CPU',
			'app µs/token',
			'fake CPU',
			'clients CPU',
			'machine busy'
		]
	];
	for (const p of phases) {
		rows.push([
			String(p.streams),
			ms(p.app.p50),
			ms(p.app.p99),
			ms(p.app.max),
			ms(p.baseline.p50),
			ms(p.baseline.p99),
			ms(p.app.p50 - p.baseline.p50),
			ms(p.app.p99 - p.baseline.p99),
			p.messageUpdatesPerS.toFixed(0),
			(p.messageUpdatesPerS / p.streams).toFixed(2),
			p.writesPerS.toFixed(0),
			pct(p.cpu.app),
			p.appMicrosPerDelta.toFixed(0),
			pct(p.cpu.fake),
			pct(p.cpu.clients),
			`${p.cpu.machine.toFixed(2)}/${os.cpus().length}`
		]);
	}
	console.log(
		`\nlatency in ms; UPDATE/s = UPDATEs of ChatMessage rows; CPU as a share of one core; ` +
			`machine busy = cores busy with any process (other work on the machine included)\n`
	);
	console.log(`${table(rows)}\n`);
	const loopRows = [
		[
			'streams',
			'loop delay p50',
			'loop delay p99',
			'loop delay max',
			'time in SQLite',
			'longest SQLite call',
			'SQLite calls > 10 ms',
			'time in GC',
			'longest GC pause'
		]
	];
	for (const p of phases) {
		loopRows.push([
			String(p.streams),
			ms(p.loopDelay.p50),
			ms(p.loopDelay.p99),
			ms(p.loopDelay.max),
			pct(p.sqlite.share),
			ms(p.sqlite.maxMs),
			String(p.sqlite.slow),
			pct(p.gc.share),
			ms(p.gc.maxMs)
		]);
	}
	console.log(`the app's event loop, SQLite calls and GC over the same window (ms)\n`);
	console.log(`${table(loopRows)}\n`);

	const largest = phases.reduce((a, b) => (b.streams > a.streams ? b : a));
	const added = largest.app.p99 - largest.baseline.p99;
	const worstWrites = Math.max(...phases.map((p) => p.messageUpdatesPerS / p.streams));
	const ok1 = added < GOAL_ADDED_P99_MS;
	const ok2 = worstWrites <= GOAL_WRITES_PER_STREAM;
	console.log(
		`verdict: ${ok1 ? 'PASS' : 'FAIL'}: added p99 latency ${ms(added)} ms at ${largest.streams} ` +
			`streams (goal < ${GOAL_ADDED_P99_MS} ms)`
	);
	// The write counter wraps better-sqlite3's statements (bench/lib/probe.ts); PostgreSQL's
	// writes happen in its own processes and are not counted.
	console.log(
		DB === 'postgres'
			? 'verdict: not measured: database writes per stream are counted on SQLite only (run --db=sqlite)'
			: `verdict: ${ok2 ? 'PASS' : 'FAIL'}: ${worstWrites.toFixed(2)} database writes per second per ` +
					`stream at worst (goal <= ${GOAL_WRITES_PER_STREAM})`
	);
	const problems = app.problems.length;
	if (problems) {
		console.log(`note: the app logged ${problems} warn/error lines, e.g. ${app.problems[0]}`);
	}
	if (phases.some((p) => p.failures.length || p.gaps)) {
		throw new Error('some answers failed or arrived with gaps; the figures are not valid');
	}

	await clients.stop();
	await app.stop();
	await fake.stop();
}

await runMain(main);
