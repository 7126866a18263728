/**
 * Notes: Parley's collaboration server (the production build) against a Hocuspocus server with
 * default settings, in the same run, with the same kind of clients. Run `npm run build` first, then
 * `npm run bench:notes`. See bench/README.md for the method and how to read the output.
 *
 * Options (argv or env): --sizes=2,10,50 (BENCH_NOTE_SIZES) editors of one note for fan-out;
 * --seconds=10 (BENCH_NOTE_SECONDS) measured seconds per fan-out run; --rounds=2
 * (BENCH_NOTE_ROUNDS) fan-out runs per server and size, alternating which server goes first;
 * --only=fanout,memory,load (BENCH_NOTE_ONLY) the measurements to run (all by default);
 * --db=sqlite|postgres.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { openTestDb } from '../tests/helpers/database.ts';
import { parleyData, parseBenchDatabase, type ParleyData } from './lib/database.ts';
import { guard, median, percentile, runMain, sleep, table } from './lib/harness.ts';
import type { NotesClientsApi, ServerKind } from './lib/notes-clients.ts';
import type { MemorySample } from './lib/probe.ts';
import {
	requireBuild,
	settle,
	spawnProcess,
	startParley,
	startServer,
	type ServerOptions
} from './lib/processes.ts';
import { createToken, signUp } from './lib/workspace.ts';

const { values: flags } = parseArgs({
	options: {
		sizes: { type: 'string' },
		seconds: { type: 'string' },
		rounds: { type: 'string' },
		only: { type: 'string' },
		db: { type: 'string' }
	}
});
const DB = parseBenchDatabase(flags.db);
const SIZES = (flags.sizes ?? process.env.BENCH_NOTE_SIZES ?? '2,10,50').split(',').map(Number);
const MEASURE_MS = Number(flags.seconds ?? process.env.BENCH_NOTE_SECONDS ?? '10') * 1000;
const ROUNDS = Number(flags.rounds ?? process.env.BENCH_NOTE_ROUNDS ?? '2');
const PARTS = ['fanout', 'memory', 'load'] as const;
const ONLY = (flags.only ?? process.env.BENCH_NOTE_ONLY ?? PARTS.join(',')).split(',');
for (const part of ONLY) {
	if (!(PARTS as readonly string[]).includes(part)) {
		throw new Error(`--only takes ${PARTS.join(', ')}, not ${part}`);
	}
}
const runs = (part: (typeof PARTS)[number]) => ONLY.includes(part);
const WARMUP_MS = 2000;
/** Keystrokes per second over all editors of the note: N editors type every N × 10 ms. */
const TOTAL_RATE = 100;
const MEMORY_NOTES = 100;
/** Opened and closed before the baseline, as many as measured, so JIT-compiled code is in it. */
const WARMUP_NOTES = MEMORY_NOTES;
const NOTE_BYTES = 1024;
const LOAD_NOTES = 5;
const LOG_UPDATES = 10_000;
const GOAL_LOAD_MS = 50;
const TOTAL_TIMEOUT_MS = 15 * 60_000;
const KINDS: ServerKind[] = ['hocuspocus', 'parley'];

/** Parley's settings for the bench: no rate limits in the way, nothing unloads mid-measurement. */
const PARLEY_ENV = {
	SOCKET_EVENTS_PER_SECOND: '10000',
	SOCKET_EVENT_BURST: '100000',
	SOCKET_CONNECTIONS_PER_USER: '1000000',
	SOCKET_CONNECTIONS_PER_IP: '1000000',
	NOTE_SYNC_EVENTS_PER_SECOND: '100000',
	NOTE_SYNC_EVENT_BURST: '1000000',
	NOTE_UNLOAD_AFTER_MS: '600000'
};

guard('bench:notes', TOTAL_TIMEOUT_MS);

// ---- setup ----------------------------------------------------------------------------------------

interface Setup {
	data: ParleyData;
	token: string;
	fanout: Record<number, string>;
	memory: string[];
	warmup: string[];
	load: string[];
	hocuspocusLog: string;
}

async function setUp(): Promise<Setup> {
	const data = await parleyData(DB, 'parley-bench-notes-');
	const server = await startParley(data, { env: PARLEY_ENV });
	let token: string;
	const create = async (title: string) => {
		const response = await fetch(`${server.url}/api/v1/notes`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: JSON.stringify({ title })
		});
		if (response.status !== 201) throw new Error(`note creation failed with ${response.status}`);
		return ((await response.json()) as { id: string }).id;
	};
	try {
		token = await createToken(await signUp(server.url, 'bench@example.test', 'Bench'), 'bench');
		const fanout: Record<number, string> = {};
		for (const n of SIZES) fanout[n] = await create(`fan-out ${n}`);
		const memory: string[] = [];
		if (runs('memory')) {
			for (let i = 0; i < MEMORY_NOTES; i++) memory.push(await create(`memory ${i}`));
		}
		const warmup: string[] = [];
		for (let i = 0; i < WARMUP_NOTES; i++) warmup.push(await create(`warm-up ${i}`));
		const load: string[] = [];
		for (let i = 0; i < LOAD_NOTES; i++) load.push(await create(`load ${i}`));
		await server.stop();
		const hocuspocusLog = await writeLogs(data, load);
		return { data, token, fanout, memory, warmup, load, hocuspocusLog };
	} finally {
		await server.stop();
	}
}

/**
 * Gives each load note a log of 10,000 small updates (one character typed at a random place each),
 * as a server that crashed before compacting would leave it, and writes the first note's seed and
 * log to a file for the Hocuspocus baseline.
 */
async function writeLogs({ dataDir, env }: ParleyData, noteIds: string[]): Promise<string> {
	const db = await openTestDb(env.DATABASE_URL ?? `file:${path.join(dataDir, 'parley.db')}`);
	const file = path.join(dataDir, 'hocuspocus-log.bin');
	try {
		for (const [index, noteId] of noteIds.entries()) {
			const snapshot = await db.get<{ state: Buffer }>(
				'SELECT "state" FROM "NoteSnapshot" WHERE "noteId" = ?',
				noteId
			);
			if (!snapshot) throw new Error(`note ${noteId} has no snapshot`);
			const { state } = snapshot;
			const doc = new Y.Doc();
			Y.applyUpdate(doc, state);
			const updates: Uint8Array[] = [];
			doc.on('update', (update: Uint8Array) => updates.push(update));
			const text = new Y.XmlText();
			(doc.getXmlFragment('default').get(0) as Y.XmlElement).insert(0, [text]);
			while (updates.length < LOG_UPDATES) {
				text.insert(Math.floor(Math.random() * (text.length + 1)), 'abcdefgh'[updates.length % 8]);
			}
			await db.run('BEGIN');
			for (const [seq, update] of updates.entries()) {
				await db.run(
					'INSERT INTO "NoteUpdate" ("noteId", "seq", "data", "userId") VALUES (?, ?, ?, NULL)',
					noteId,
					seq + 1,
					Buffer.from(update)
				);
			}
			await db.run('COMMIT');
			if (index === 0) {
				const frames = [state, ...updates].map((u) => {
					const frame = Buffer.alloc(4 + u.length);
					frame.writeUInt32LE(u.length, 0);
					Buffer.from(u).copy(frame, 4);
					return frame;
				});
				writeFileSync(file, Buffer.concat(frames));
			}
		}
	} finally {
		await db.close();
	}
	return file;
}

/** A fresh server process of `kind` (Parley on the setup's data). */
function startNotesServer(
	kind: ServerKind,
	setup: Setup,
	env: Record<string, string> = {},
	watch: ServerOptions['watch'] = []
) {
	return kind === 'parley'
		? startParley(setup.data, { env: { ...PARLEY_ENV, ...env }, watch })
		: startServer('bench/lib/notes-hocuspocus-server.ts', { name: 'hocuspocus', env, watch });
}

/** A client worker process for one server. */
function startWorker(kind: ServerKind, url: string, token: string) {
	return spawnProcess<NotesClientsApi>('bench/lib/notes-clients.ts', {
		name: `${kind} client worker`,
		args: [kind, url],
		env: { BENCH_TOKEN: token }
	});
}

// ---- measurements ---------------------------------------------------------------------------------

interface FanoutResult {
	kind: ServerKind;
	n: number;
	latencies: number[];
	sent: number;
}

async function fanout(kind: ServerKind, n: number, setup: Setup): Promise<FanoutResult> {
	const server = await startNotesServer(kind, setup);
	const doc = kind === 'parley' ? setup.fanout[n] : `fanout-${n}`;
	const workers = await Promise.all([0, 1].map(() => startWorker(kind, server.url, setup.token)));
	try {
		const split = [Math.ceil(n / 2), Math.floor(n / 2)];
		for (const [i, worker] of workers.entries()) {
			if (split[i]) {
				await worker.api.open({
					docs: [doc],
					perDoc: split[i],
					shareConnection: false,
					writeBytes: 0
				});
			}
		}
		const measureFrom = Date.now() + WARMUP_MS;
		const request = {
			intervalMs: (n * 1000) / TOTAL_RATE,
			measureFrom,
			measureUntil: measureFrom + MEASURE_MS
		};
		const replies = await Promise.all(
			workers.filter((_, i) => split[i]).map((worker) => worker.api.fanout(request))
		);
		return {
			kind,
			n,
			latencies: replies.flatMap((r) => r.latencies),
			sent: replies.reduce((sum, r) => sum + r.sent, 0)
		};
	} finally {
		await Promise.all(workers.map((w) => w.stop()));
		await server.stop();
	}
}

interface MemoryResult {
	kind: ServerKind;
	before: MemorySample;
	after: MemorySample;
	openMs: number;
}

async function memory(kind: ServerKind, setup: Setup): Promise<MemoryResult> {
	// Parley unloads the warm-up notes 1 s after they are closed (Hocuspocus at once), so the
	// baseline holds none of them.
	const server = await startNotesServer(kind, setup, { NOTE_UNLOAD_AFTER_MS: '1000' });
	try {
		const docs = (ids: string[], prefix: string) =>
			kind === 'parley' ? ids : ids.map((_, i) => `${prefix}-${i}`);
		// Warm up: the same work on other notes, so lazily compiled code is in the baseline.
		const warm = await startWorker(kind, server.url, setup.token);
		await warm.api.open({
			docs: docs(setup.warmup, 'warmup'),
			perDoc: 1,
			shareConnection: true,
			writeBytes: NOTE_BYTES
		});
		await warm.stop();
		// Parley's unload (after 1 s) and background upkeep (~2 s after the last store) finish.
		await sleep(5000);
		const before = await settle(server, 0);
		const worker = await startWorker(kind, server.url, setup.token);
		const ms = await worker.api.open({
			docs: docs(setup.memory, 'memory'),
			perDoc: 1,
			shareConnection: true,
			writeBytes: NOTE_BYTES
		});
		await sleep(3000);
		const after = await settle(server, 1);
		await worker.stop();
		return { kind, before, after, openMs: ms };
	} finally {
		await server.stop();
	}
}

interface LoadResult {
	kind: ServerKind;
	/** Server-side load time per note (the load hook / onLoadDocument), wall clock and CPU. */
	serverMs: number[];
	cpuMs: number[];
	/** Client-side: join until the content is there. */
	joinMs: number[];
	/** The server's longest event-loop stall during each join (monitorEventLoopDelay, 1 ms). */
	stallMs: number[];
	chars: number;
}

async function load(kind: ServerKind, setup: Setup): Promise<LoadResult> {
	const server = await startNotesServer(
		kind,
		setup,
		kind === 'hocuspocus' ? { BENCH_LOG_FILE: setup.hocuspocusLog } : {},
		['loop']
	);
	const worker = await startWorker(kind, server.url, setup.token);
	try {
		// One ordinary open first, so the join path is compiled before the timed loads.
		await worker.api.join(kind === 'parley' ? setup.warmup[0] : 'warm');
		const joinMs: number[] = [];
		const stallMs: number[] = [];
		let chars = 0;
		for (const [i, noteId] of setup.load.entries()) {
			const doc = kind === 'parley' ? noteId : `load-${i}`;
			// The loop-delay counter restarts at each reading: read it just before and after the join.
			await server.api.counters();
			const reply = await worker.api.join(doc);
			stallMs.push((await server.api.counters()).loopDelay?.max ?? NaN);
			joinMs.push(reply.ms);
			chars = reply.chars;
		}
		const loaded = server.logs.filter(
			(l) => l.msg === 'note loaded' && (l.updates as number) >= LOG_UPDATES
		);
		return {
			kind,
			serverMs: loaded.map((l) => l.ms as number),
			cpuMs: loaded.map((l) => l.cpuMs as number),
			joinMs,
			stallMs,
			chars
		};
	} finally {
		await worker.stop();
		await server.stop();
	}
}

// ---- output ---------------------------------------------------------------------------------------

const ms = (value: number) => `${value.toFixed(1)} ms`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
	requireBuild();
	const cpus = os.cpus();
	console.log('bench:notes: Parley (production build) vs Hocuspocus 4 (default settings)');
	console.log(
		`machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), load average ` +
			`${os
				.loadavg()
				.map((l) => l.toFixed(2))
				.join(' ')}, node ${process.version}`
	);
	console.log(
		`method: fresh server process per measurement; clients in 2 separate processes on the same ` +
			`cores. Fan-out: N editors of one note type ${TOTAL_RATE} keystrokes/s in total ` +
			`(each every N x 10 ms), ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; ` +
			`latency = keystroke to applied in each other editor's document.\n`
	);

	const setup = await setUp();
	const fanouts: FanoutResult[] = [];
	for (const n of runs('fanout') ? SIZES : []) {
		for (let round = 0; round < ROUNDS; round++) {
			// Alternate which server goes first, so drifts in the machine's load hit both alike.
			for (const kind of round % 2 ? [...KINDS].reverse() : KINDS) {
				const result = await fanout(kind, n, setup);
				fanouts.push(result);
				const sorted = [...result.latencies].sort((a, b) => a - b);
				console.log(
					`fan-out ${kind.padEnd(10)} N=${String(n).padStart(2)} round ${round + 1}: ` +
						`p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, ` +
						`max ${ms(sorted.at(-1) ?? NaN)}, ${sorted.length} deliveries of ` +
						`${result.sent} keystrokes x ${n - 1} others`
				);
			}
		}
	}
	const memories: MemoryResult[] = [];
	for (const kind of runs('memory') ? KINDS : []) {
		const result = await memory(kind, setup);
		memories.push(result);
		console.log(
			`memory  ${kind.padEnd(10)}: heapUsed ${kib(result.before.heapUsed)} -> ${kib(result.after.heapUsed)}, ` +
				`rss ${kib(result.before.rss)} -> ${kib(result.after.rss)}, ${MEMORY_NOTES} notes opened in ${ms(result.openMs)}`
		);
	}
	const loads: LoadResult[] = [];
	for (const kind of runs('load') ? KINDS : []) {
		const result = await load(kind, setup);
		loads.push(result);
		console.log(
			`load    ${kind.padEnd(10)}: server ${result.serverMs.map((v) => v.toFixed(1)).join(', ')} ms ` +
				`(main-thread CPU ${result.cpuMs.map((v) => v.toFixed(1)).join(', ')} ms); ` +
				`join ${result.joinMs.map((v) => v.toFixed(1)).join(', ')} ms (${result.chars} chars); ` +
				`longest event-loop stall ${result.stallMs.map((v) => v.toFixed(1)).join(', ')} ms`
		);
	}

	const one = <T extends { kind: ServerKind }>(list: T[], kind: ServerKind) => {
		const found = list.find((r) => r.kind === kind);
		if (!found) throw new Error(`missing ${kind} result`);
		return found;
	};
	/** Every delivery of every round of one server and size, sorted. */
	const pooled = (kind: ServerKind, n: number) =>
		fanouts
			.filter((r) => r.kind === kind && r.n === n)
			.flatMap((r) => r.latencies)
			.sort((a, b) => a - b);
	const verdicts: string[] = [];
	if (runs('fanout')) fanoutSummary(pooled, verdicts);
	if (runs('memory')) memorySummary(one(memories, 'parley'), one(memories, 'hocuspocus'), verdicts);
	if (runs('load')) loadSummary(one(loads, 'parley'), one(loads, 'hocuspocus'), verdicts);
	console.log(verdicts.map((v) => `verdict: ${v}`).join('\n'));
}

function fanoutSummary(
	pooled: (kind: ServerKind, n: number) => number[],
	verdicts: string[]
): void {
	const rows = [
		['N editors', 'parley p50', 'parley p99', 'hocuspocus p50', 'hocuspocus p99', 'p99 ratio']
	];
	for (const n of SIZES) {
		const p = pooled('parley', n);
		const h = pooled('hocuspocus', n);
		const [p99, h99] = [percentile(p, 99), percentile(h, 99)];
		rows.push([
			String(n),
			ms(percentile(p, 50)),
			ms(p99),
			ms(percentile(h, 50)),
			ms(h99),
			`${(p99 / h99).toFixed(2)}x`
		]);
		verdicts.push(
			`${p99 <= h99 ? 'PASS' : 'FAIL'}: fan-out p99 at N=${n} is ${ms(p99)} vs ${ms(h99)} (goal <= Hocuspocus)`
		);
	}
	console.log(`\nupdate fan-out latency (all ${ROUNDS} rounds pooled)\n${table(rows)}\n`);
}

function memorySummary(pm: MemoryResult, hm: MemoryResult, verdicts: string[]): void {
	const perNote = (r: MemoryResult, key: 'heapUsed' | 'rss') =>
		(r.after[key] - r.before[key]) / MEMORY_NOTES;
	console.log(
		`server memory per open note (${MEMORY_NOTES} notes, ${NOTE_BYTES} B of text each, one connection)\n` +
			table([
				['', 'heap/note', 'rss/note'],
				['parley', kib(perNote(pm, 'heapUsed')), kib(perNote(pm, 'rss'))],
				['hocuspocus', kib(perNote(hm, 'heapUsed')), kib(perNote(hm, 'rss'))]
			]) +
			'\n'
	);
	verdicts.push(
		`${perNote(pm, 'heapUsed') <= perNote(hm, 'heapUsed') ? 'PASS' : 'FAIL'}: heap per open note ` +
			`${kib(perNote(pm, 'heapUsed'))} vs ${kib(perNote(hm, 'heapUsed'))} (goal <= Hocuspocus)`
	);
}

function loadSummary(pl: LoadResult, hl: LoadResult, verdicts: string[]): void {
	const spread = (values: number[]) => `${ms(median(values))} / ${ms(Math.max(...values))}`;
	console.log(
		`loading a note whose log holds ${LOG_UPDATES.toLocaleString('en')} small updates ` +
			`(${LOAD_NOTES} notes; median / max)\n` +
			table([
				['', 'server wall', 'main-thread CPU', 'client join', 'longest loop stall'],
				[
					`parley (${DB === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: snapshot + log)`,
					spread(pl.serverMs),
					spread(pl.cpuMs),
					spread(pl.joinMs),
					spread(pl.stallMs)
				],
				[
					'hocuspocus (same log, from memory)',
					spread(hl.serverMs),
					spread(hl.cpuMs),
					spread(hl.joinMs),
					spread(hl.stallMs)
				]
			]) +
			'\n'
	);
	verdicts.push(
		`${median(pl.serverMs) < GOAL_LOAD_MS ? 'PASS' : 'FAIL'}: load of a 10,000-update log takes ` +
			`${ms(median(pl.serverMs))} wall / ${ms(median(pl.cpuMs))} CPU on the server ` +
			`(median; goal < ${GOAL_LOAD_MS} ms)`
	);
}

await runMain(main);
