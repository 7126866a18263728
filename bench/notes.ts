/**
 * Notes: Parley's collaboration server (the production build) against a Hocuspocus server with
 * default settings, in the same run, with the same kind of clients. Run `npm run build` first, then
 * `npm run bench:notes`. See bench/README.md for the method and how to read the output.
 *
 * Options (argv or env): --sizes=2,10,50 (BENCH_NOTE_SIZES) editors of one note for fan-out;
 * --seconds=10 (BENCH_NOTE_SECONDS) measured seconds per fan-out run.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { HttpClient } from '../tests/helpers/client.ts';
import type { MemorySample } from './lib/ipc.ts';
import type { ServerKind } from './lib/notes-ipc.ts';
import {
	cleanup,
	ROOT,
	settle,
	sleep,
	startServer,
	startWorker,
	tempDirs
} from './lib/notes-process.ts';

const { values: flags } = parseArgs({
	options: { sizes: { type: 'string' }, seconds: { type: 'string' } }
});
const SIZES = (flags.sizes ?? process.env.BENCH_NOTE_SIZES ?? '2,10,50').split(',').map(Number);
const MEASURE_MS = Number(flags.seconds ?? process.env.BENCH_NOTE_SECONDS ?? '10') * 1000;
const WARMUP_MS = 2000;
/** Keystrokes per second over all editors of the note: N editors type every N × 10 ms. */
const TOTAL_RATE = 100;
const MEMORY_NOTES = 100;
const WARMUP_NOTES = 5;
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
	NOTE_SYNC_EVENTS_PER_SECOND: '100000',
	NOTE_SYNC_EVENT_BURST: '1000000',
	NOTE_UNLOAD_AFTER_MS: '600000'
};

function fail(error: unknown): never {
	console.error(`\nbench:notes failed: ${error instanceof Error ? error.message : error}`);
	cleanup();
	process.exit(1);
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => fail(new Error(`interrupted (${signal})`)));
}
setTimeout(
	() => fail(new Error(`took longer than ${TOTAL_TIMEOUT_MS / 60_000} minutes`)),
	TOTAL_TIMEOUT_MS
).unref();

// ---- setup ----------------------------------------------------------------------------------------

interface Setup {
	dataDir: string;
	token: string;
	fanout: Record<number, string>;
	memory: string[];
	warmup: string[];
	load: string[];
	hocuspocusLog: string;
}

async function setUp(): Promise<Setup> {
	const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-notes-'));
	tempDirs.add(dataDir);
	const server = await startServer('parley', { ...PARLEY_ENV, DATA_DIR: dataDir });
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
		const client = new HttpClient(server.url);
		const { response } = await client.signUp({ email: 'bench@example.test', displayName: 'Bench' });
		if (response.status !== 303) throw new Error(`sign-up failed with HTTP ${response.status}`);
		const created = await client.json<{ token?: string }>('/api/v1/tokens', {
			method: 'POST',
			body: { name: 'bench' }
		});
		if (!created.body.token) throw new Error(`token creation failed with ${created.status}`);
		token = created.body.token;
		const fanout: Record<number, string> = {};
		for (const n of SIZES) fanout[n] = await create(`fan-out ${n}`);
		const memory: string[] = [];
		for (let i = 0; i < MEMORY_NOTES; i++) memory.push(await create(`memory ${i}`));
		const warmup: string[] = [];
		for (let i = 0; i < WARMUP_NOTES; i++) warmup.push(await create(`warm-up ${i}`));
		const load: string[] = [];
		for (let i = 0; i < LOAD_NOTES; i++) load.push(await create(`load ${i}`));
		await server.stop();
		const hocuspocusLog = writeLogs(dataDir, load);
		return { dataDir, token, fanout, memory, warmup, load, hocuspocusLog };
	} finally {
		await server.stop();
	}
}

/**
 * Gives each load note a log of 10,000 small updates (one character typed at a random place each),
 * as a server that crashed before compacting would leave it, and writes the first note's seed and
 * log to a file for the Hocuspocus baseline.
 */
function writeLogs(dataDir: string, noteIds: string[]): string {
	const db = new Database(path.join(dataDir, 'parley.db'));
	const file = path.join(dataDir, 'hocuspocus-log.bin');
	try {
		const insert = db.prepare(
			'INSERT INTO NoteUpdate (noteId, seq, data, userId) VALUES (?, ?, ?, NULL)'
		);
		for (const [index, noteId] of noteIds.entries()) {
			const { state } = db
				.prepare('SELECT state FROM NoteSnapshot WHERE noteId = ?')
				.get(noteId) as {
				state: Buffer;
			};
			const doc = new Y.Doc();
			Y.applyUpdate(doc, state);
			const updates: Uint8Array[] = [];
			doc.on('update', (update: Uint8Array) => updates.push(update));
			const text = new Y.XmlText();
			(doc.getXmlFragment('default').get(0) as Y.XmlElement).insert(0, [text]);
			while (updates.length < LOG_UPDATES) {
				text.insert(Math.floor(Math.random() * (text.length + 1)), 'abcdefgh'[updates.length % 8]);
			}
			db.transaction(() =>
				updates.forEach((u, seq) => insert.run(noteId, seq + 1, Buffer.from(u)))
			)();
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
		db.close();
	}
	return file;
}

function serverEnv(kind: ServerKind, setup: Setup, extra: Record<string, string> = {}) {
	return kind === 'parley' ? { ...PARLEY_ENV, DATA_DIR: setup.dataDir, ...extra } : extra;
}

// ---- measurements ---------------------------------------------------------------------------------

interface FanoutResult {
	kind: ServerKind;
	n: number;
	p50: number;
	p99: number;
	max: number;
	samples: number;
	expected: number;
}

function percentile(sorted: number[], p: number): number {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function fanout(kind: ServerKind, n: number, setup: Setup): Promise<FanoutResult> {
	const server = await startServer(kind, serverEnv(kind, setup));
	const doc = kind === 'parley' ? setup.fanout[n] : `fanout-${n}`;
	const workers = [0, 1].map(() => startWorker(kind, server.url, setup.token));
	try {
		const split = [Math.ceil(n / 2), Math.floor(n / 2)];
		for (const [i, worker] of workers.entries()) {
			if (split[i]) {
				await worker.ask(
					{ type: 'open', docs: [doc], perDoc: split[i], shareConnection: false, writeBytes: 0 },
					'opened'
				);
			}
		}
		const measureFrom = Date.now() + WARMUP_MS;
		const request = {
			type: 'fanout' as const,
			intervalMs: (n * 1000) / TOTAL_RATE,
			measureFrom,
			measureUntil: measureFrom + MEASURE_MS
		};
		const replies = await Promise.all(
			workers.filter((_, i) => split[i]).map((worker) => worker.ask(request, 'fanout'))
		);
		const latencies = replies.flatMap((r) => r.latencies).sort((a, b) => a - b);
		const sentMeasured = Math.round((MEASURE_MS / request.intervalMs) * n);
		return {
			kind,
			n,
			p50: percentile(latencies, 50),
			p99: percentile(latencies, 99),
			max: latencies.at(-1) ?? NaN,
			samples: latencies.length,
			expected: sentMeasured * (n - 1)
		};
	} finally {
		await Promise.all(workers.map((w) => w.close()));
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
	const server = await startServer(kind, serverEnv(kind, setup));
	try {
		const docs = (ids: string[], prefix: string) =>
			kind === 'parley' ? ids : ids.map((_, i) => `${prefix}-${i}`);
		// Warm up: the same work on other notes, so lazily compiled code is in the baseline.
		const warm = startWorker(kind, server.url, setup.token);
		await warm.ask(
			{
				type: 'open',
				docs: docs(setup.warmup, 'warmup'),
				perDoc: 1,
				shareConnection: true,
				writeBytes: NOTE_BYTES
			},
			'opened'
		);
		await warm.close();
		// Parley's background upkeep (previews) runs ~2 s after the last store.
		await sleep(3000);
		const before = await settle(server, 0);
		const worker = startWorker(kind, server.url, setup.token);
		const { ms } = await worker.ask(
			{
				type: 'open',
				docs: docs(setup.memory, 'memory'),
				perDoc: 1,
				shareConnection: true,
				writeBytes: NOTE_BYTES
			},
			'opened'
		);
		await sleep(3000);
		const after = await settle(server, 1);
		await worker.close();
		return { kind, before, after, openMs: ms };
	} finally {
		await server.stop();
	}
}

interface LoadResult {
	kind: ServerKind;
	/** Server-side load time per note (the load hook / onLoadDocument). */
	serverMs: number[];
	/** Client-side: join until the content is there. */
	joinMs: number[];
	chars: number;
}

async function load(kind: ServerKind, setup: Setup): Promise<LoadResult> {
	const server = await startServer(
		kind,
		serverEnv(kind, setup, kind === 'hocuspocus' ? { BENCH_LOG_FILE: setup.hocuspocusLog } : {})
	);
	const worker = startWorker(kind, server.url, setup.token);
	try {
		// One ordinary open first, so the join path is compiled before the timed loads.
		await worker.ask({ type: 'join', doc: kind === 'parley' ? setup.warmup[0] : 'warm' }, 'joined');
		const joinMs: number[] = [];
		let chars = 0;
		for (const [i, noteId] of setup.load.entries()) {
			const doc = kind === 'parley' ? noteId : `load-${i}`;
			const reply = await worker.ask({ type: 'join', doc }, 'joined');
			joinMs.push(reply.ms);
			chars = reply.chars;
		}
		const serverMs = server.logs
			.filter((l) => l.msg === 'note loaded' && (l.updates as number) >= LOG_UPDATES)
			.map((l) => l.ms as number);
		return { kind, serverMs, joinMs, chars };
	} finally {
		await worker.close();
		await server.stop();
	}
}

// ---- output ---------------------------------------------------------------------------------------

const ms = (value: number) => `${value.toFixed(1)} ms`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function table(rows: string[][]): string {
	const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
	const line = (row: string[]) => row.map((cell, c) => cell.padStart(widths[c])).join('  ');
	return [
		line(rows[0]),
		widths.map((w) => '-'.repeat(w)).join('  '),
		...rows.slice(1).map(line)
	].join('\n');
}

async function main(): Promise<void> {
	if (!existsSync(path.join(ROOT, 'build/handler.js'))) {
		throw new Error(
			'build/handler.js is missing. Run `npm run build` first; this bench builds nothing.'
		);
	}
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
	for (const n of SIZES) {
		for (const kind of KINDS) {
			const result = await fanout(kind, n, setup);
			fanouts.push(result);
			console.log(
				`fan-out ${kind.padEnd(10)} N=${String(n).padStart(2)}: p50 ${ms(result.p50)}, p99 ${ms(result.p99)}, ` +
					`max ${ms(result.max)}, ${result.samples}/${result.expected} deliveries`
			);
		}
	}
	const memories: MemoryResult[] = [];
	for (const kind of KINDS) {
		const result = await memory(kind, setup);
		memories.push(result);
		console.log(
			`memory  ${kind.padEnd(10)}: heapUsed ${kib(result.before.heapUsed)} -> ${kib(result.after.heapUsed)}, ` +
				`rss ${kib(result.before.rss)} -> ${kib(result.after.rss)}, ${MEMORY_NOTES} notes opened in ${ms(result.openMs)}`
		);
	}
	const loads: LoadResult[] = [];
	for (const kind of KINDS) {
		const result = await load(kind, setup);
		loads.push(result);
		console.log(
			`load    ${kind.padEnd(10)}: server ${result.serverMs.map((v) => v.toFixed(1)).join(', ')} ms; ` +
				`join ${result.joinMs.map((v) => v.toFixed(1)).join(', ')} ms (${result.chars} chars)`
		);
	}

	const get = <T extends { kind: ServerKind }>(list: T[], kind: ServerKind, n?: number) => {
		const found = list.find(
			(r) => r.kind === kind && (n === undefined || (r as { n?: number }).n === n)
		);
		if (!found) throw new Error(`missing ${kind} result`);
		return found;
	};
	const rows = [
		['N editors', 'parley p50', 'parley p99', 'hocuspocus p50', 'hocuspocus p99', 'p99 ratio']
	];
	const verdicts: string[] = [];
	for (const n of SIZES) {
		const p = get(fanouts, 'parley', n);
		const h = get(fanouts, 'hocuspocus', n);
		rows.push([
			String(n),
			ms(p.p50),
			ms(p.p99),
			ms(h.p50),
			ms(h.p99),
			`${(p.p99 / h.p99).toFixed(2)}x`
		]);
		verdicts.push(
			`${p.p99 <= h.p99 ? 'PASS' : 'FAIL'}: fan-out p99 at N=${n} is ${ms(p.p99)} vs ${ms(h.p99)} (goal <= Hocuspocus)`
		);
	}
	console.log(`\nupdate fan-out latency\n${table(rows)}\n`);

	const perNote = (r: MemoryResult, key: 'heapUsed' | 'rss') =>
		(r.after[key] - r.before[key]) / MEMORY_NOTES;
	const pm = get(memories, 'parley');
	const hm = get(memories, 'hocuspocus');
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

	const pl = get(loads, 'parley');
	const hl = get(loads, 'hocuspocus');
	console.log(
		`loading a note whose log holds ${LOG_UPDATES.toLocaleString('en')} small updates (${LOAD_NOTES} notes, median / max)\n` +
			table([
				['', 'server load', 'client join'],
				[
					'parley (SQLite: snapshot + log)',
					`${ms(median(pl.serverMs))} / ${ms(Math.max(...pl.serverMs))}`,
					`${ms(median(pl.joinMs))} / ${ms(Math.max(...pl.joinMs))}`
				],
				[
					'hocuspocus (same log, from memory)',
					`${ms(median(hl.serverMs))} / ${ms(Math.max(...hl.serverMs))}`,
					`${ms(median(hl.joinMs))} / ${ms(Math.max(...hl.joinMs))}`
				]
			]) +
			'\n'
	);
	verdicts.push(
		`${median(pl.serverMs) < GOAL_LOAD_MS ? 'PASS' : 'FAIL'}: load of a 10,000-update log takes ` +
			`${ms(median(pl.serverMs))} on the server (median; goal < ${GOAL_LOAD_MS} ms)`
	);
	console.log(verdicts.map((v) => `verdict: ${v}`).join('\n'));
}

try {
	await main();
	cleanup();
	process.exit(0);
} catch (error) {
	fail(error);
}
