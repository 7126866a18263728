/**
 * The in-server probe: loaded into a server under test with `node --expose-gc --import
 * ./bench/lib/probe.ts <entry>` (bench/lib/processes.ts `startServer`), so the entry runs unchanged
 * (server/index.ts for Parley) and the app gets no debug endpoint. It says `ready` with the port of
 * the first TCP server that listens, and answers `ProbeApi` over the one IPC protocol
 * (bench/lib/ipc.ts): memory after forced full GCs, heap snapshots, CPU and event-loop time
 * (cheap, no GC, so it can be read around a latency measurement), V8 CPU profiles and counters.
 *
 * Counters cost time, so they are on only when asked (BENCH_PROBE_WATCH, a comma list):
 * - `loop`: event-loop delay (`monitorEventLoopDelay`, 1 ms resolution);
 * - `gc`: garbage-collection pauses (`PerformanceObserver` on `gc` entries);
 * - `sqlite`: write statements and time inside SQLite, counted per execution by wrapping the
 *   Statement methods (run, all, get) before the app loads; the seam keeps statements prepared and
 *   Prisma's adapter prepares each one per call, so counting preparations would miss the seam's.
 *   Each runs synchronously, so a slow one (a WAL checkpoint's fsync, say) blocks the event loop
 *   for its whole duration.
 */
import diagnostics from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { Server } from 'node:net';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import type { App } from '#lib/server/app.ts';
import { answer, cpuSample, ready } from './ipc.ts';

/** One reading of `process.memoryUsage()`, taken right after forced full GCs. */
export interface MemorySample {
	heapUsed: number;
	heapTotal: number;
	rss: number;
	external: number;
	arrayBuffers: number;
	/** Connections the server's listening socket holds at that moment (one per WebSocket client). */
	clients: number;
}

export interface SqliteStatementTime {
	sql: string;
	calls: number;
	ms: number;
}

/** What the watched counters say so far; maxima and the delay histogram restart at each reading. */
export interface Counters {
	/** Parley only: answers streaming right now. */
	activeStreams?: number;
	/** `loop`: event-loop delay since the previous reading (ms). */
	loopDelay?: { p50: number; p99: number; max: number };
	/** `sqlite`: UPDATEs of ChatMessage and every INSERT, UPDATE or DELETE run so far;
	 * time inside statement calls so far (ms), the longest since the previous reading, calls > 10 ms. */
	sqlite?: {
		messageUpdates: number;
		writes: number;
		totalMs: number;
		maxMs: number;
		slow: number;
		/** The statements that took the most time so far: SQL (whitespace folded), calls, ms. */
		statements: SqliteStatementTime[];
	};
	/** `gc`: pauses so far (ms) and the longest since the previous reading. */
	gc?: { totalMs: number; maxMs: number };
}

// Worker threads inherit `--import` (Parley reads SQLite in one): the probe is the main thread's.
const WATCH = new Set(
	isMainThread ? (process.env.BENCH_PROBE_WATCH ?? '').split(',').filter(Boolean) : []
);
/** Microseconds between CPU profile samples (V8's default; shorter costs the app noticeably). */
const PROFILE_INTERVAL_US = 1000;

let listening: Server | undefined;
function onListening(context: object): void {
	const { server } = context as { server: Server };
	const address = server.address();
	if (listening || !address || typeof address === 'string') return;
	listening = server;
	ready({ port: address.port });
}
if (isMainThread) {
	const ignore = () => {};
	diagnostics.tracingChannel('net.server.listen').subscribe({
		start: ignore,
		end: ignore,
		asyncStart: ignore,
		error: ignore,
		asyncEnd: onListening
	});
}

const sqlite = WATCH.has('sqlite') ? await watchSqlite() : undefined;
const loop = WATCH.has('loop') ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
loop?.enable();
const gcPauses = WATCH.has('gc') ? { totalMs: 0, maxMs: 0 } : undefined;
if (gcPauses) {
	new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) {
			gcPauses.totalMs += entry.duration;
			gcPauses.maxMs = Math.max(gcPauses.maxMs, entry.duration);
		}
	}).observe({ entryTypes: ['gc'] });
}

/** Statements listed by the `sqlite` counters, the costliest first. */
const TOP_STATEMENTS = 15;

async function watchSqlite() {
	const { default: Database } = await import('better-sqlite3');
	const counts = { messageUpdates: 0, writes: 0, totalMs: 0, maxMs: 0, slow: 0 };
	const bySql = new Map<string, SqliteStatementTime>();
	const statements = (): SqliteStatementTime[] =>
		[...bySql.values()]
			.sort((a, b) => b.ms - a.ms)
			.slice(0, TOP_STATEMENTS)
			.map((entry) => ({ ...entry }));
	const MESSAGE_UPDATE = /^\s*UPDATE\s+[`"]?(?:main[`"]?\.[`"]?)?ChatMessage[`"]?\s/i;
	const WRITE = /^\s*(?:INSERT|UPDATE|DELETE)\s/i;
	const scratch = new Database(':memory:');
	const statement = Object.getPrototypeOf(scratch.prepare('SELECT 1')) as Record<
		string,
		(...args: unknown[]) => unknown
	>;
	scratch.close();
	// Counted per execution: the seam keeps its statements prepared, so preparations are no count.
	const kinds = new WeakMap<
		object,
		{ write: boolean; messageUpdate: boolean; time: SqliteStatementTime }
	>();
	const kindOf = (prepared: { source: string }) => {
		let kind = kinds.get(prepared);
		if (!kind) {
			const sql = prepared.source.replace(/\s+/g, ' ').trim();
			const time = bySql.get(sql) ?? { sql, calls: 0, ms: 0 };
			bySql.set(sql, time);
			kind = {
				write: WRITE.test(prepared.source),
				messageUpdate: MESSAGE_UPDATE.test(prepared.source),
				time
			};
			kinds.set(prepared, kind);
		}
		return kind;
	};
	for (const method of ['run', 'all', 'get'] as const) {
		const original = statement[method];
		statement[method] = function (this: { source: string }, ...args: unknown[]) {
			const kind = kindOf(this);
			if (kind.write) counts.writes += 1;
			if (kind.messageUpdate) counts.messageUpdates += 1;
			const started = performance.now();
			try {
				return original.apply(this, args);
			} finally {
				const ms = performance.now() - started;
				kind.time.calls += 1;
				kind.time.ms += ms;
				counts.totalMs += ms;
				counts.maxMs = Math.max(counts.maxMs, ms);
				if (ms > 10) counts.slow += 1;
			}
		};
	}
	return { counts, statements };
}

/** Several full GCs with turns of the event loop between them, so finalizers and weak refs settle. */
async function collect(): Promise<void> {
	if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
	for (let i = 0; i < 4; i++) {
		gc({ type: 'major', execution: 'sync' });
		await new Promise((resolve) => setImmediate(resolve));
	}
}

function connections(): Promise<number> {
	return new Promise((resolve, reject) => {
		if (!listening) return resolve(-1);
		listening.getConnections((error, count) => (error ? reject(error) : resolve(count)));
	});
}

let profiler: Session | undefined;

export const probeApi = {
	async memory(): Promise<MemorySample> {
		await collect();
		const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
		return { heapUsed, heapTotal, rss, external, arrayBuffers, clients: await connections() };
	},
	async snapshot(file: string): Promise<string> {
		await collect();
		return writeHeapSnapshot(file);
	},
	cpu: cpuSample,
	async profileStart(): Promise<void> {
		profiler = new Session();
		profiler.connect();
		await profiler.post('Profiler.enable');
		await profiler.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
		await profiler.post('Profiler.start');
	},
	/** Stops the profile and writes it as a .cpuprofile file (Chrome DevTools' Performance tab). */
	async profileStop(file: string): Promise<string> {
		if (!profiler) throw new Error('no profile running');
		const { profile } = await profiler.post('Profiler.stop');
		profiler.disconnect();
		profiler = undefined;
		writeFileSync(file, JSON.stringify(profile));
		return file;
	},
	async counters(): Promise<Counters> {
		// Parley keeps its one App on globalThis (src/lib/server/app.ts).
		const holder = globalThis as { [key: symbol]: Promise<App> | undefined };
		const app = await holder[Symbol.for('parley.app')];
		const counters: Counters = {
			activeStreams: app?.completions.activeCount,
			loopDelay: loop && {
				p50: loop.percentile(50) / 1e6,
				p99: loop.percentile(99) / 1e6,
				max: loop.max / 1e6
			},
			sqlite: sqlite && { ...sqlite.counts, statements: sqlite.statements() },
			gc: gcPauses && { ...gcPauses }
		};
		loop?.reset();
		if (sqlite) sqlite.counts.maxMs = 0;
		if (gcPauses) gcPauses.maxMs = 0;
		return counters;
	}
};

export type ProbeApi = typeof probeApi;

if (isMainThread) answer(probeApi);
