/**
 * What every bench orchestrator needs: tracking of child processes and temp folders (removed on
 * success, failure, timeout and Ctrl-C), timeouts, starting a server under test (the app via
 * bench/lib/app-server.ts or the bare Socket.IO server) with its IPC hook, tables and machine facts.
 */
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CpuSample, MemorySample, ServerReply, ServerRequest } from './ipc.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

// ---- housekeeping: every child and temp folder is tracked and removed on any exit path ----------

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let benchName = 'bench';

export function track(child: ChildProcess): ChildProcess {
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

export function trackDir(dir: string): string {
	tempDirs.add(dir);
	return dir;
}

export function cleanup(): void {
	for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
	for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
	tempDirs.clear();
}

/** Warn/error log lines of every server started, shown when the bench fails. */
const serverProblems: { kind: Kind; problems: string[] }[] = [];

export function fail(error: unknown): never {
	console.error(`\n${benchName} failed: ${error instanceof Error ? error.message : error}`);
	for (const { kind, problems } of serverProblems) {
		for (const line of problems.slice(0, 3)) console.error(`${kind} server logged: ${line}`);
	}
	cleanup();
	process.exit(1);
}

/** Cleans up on exit, Ctrl-C and SIGTERM, and fails the whole run after `totalTimeoutMs`. */
export function guard(name: string, totalTimeoutMs: number): void {
	benchName = name;
	process.on('exit', cleanup);
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.on(signal, () => fail(new Error(`interrupted (${signal})`)));
	}
	setTimeout(
		() => fail(new Error(`took longer than ${totalTimeoutMs / 60_000} minutes`)),
		totalTimeoutMs
	).unref();
}

/** Runs `main`, then cleans up and exits 0, or reports the error, cleans up and exits 1. */
export async function runMain(main: () => Promise<void>): Promise<never> {
	try {
		await main();
		cleanup();
		process.exit(0);
	} catch (error) {
		fail(error);
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	return Promise.race([
		promise,
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
		})
	]).finally(() => clearTimeout(timer));
}

export function exited(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	child.kill('SIGTERM');
	await withTimeout(exited(child), graceMs, 'stop').catch(() => {
		child.kill('SIGKILL');
		return exited(child);
	});
}

// ---- servers under test ---------------------------------------------------------------------------

export type Kind = 'app' | 'bare';
const SCRIPTS: Record<Kind, string> = {
	app: 'bench/lib/app-server.ts',
	bare: 'bench/lib/bare-server.ts'
};
const START_TIMEOUT_MS = 30_000;
const IPC_TIMEOUT_MS = 60_000;

export interface ServerHandle {
	kind: Kind;
	url: string;
	/** Log lines at warn level or above (the app logs pino JSON). */
	problems: string[];
	/** `process.memoryUsage()` after forced full GCs. */
	memory(): Promise<MemorySample>;
	snapshot(file: string): Promise<string>;
	/** CPU time and event-loop busy time so far (no GC, cheap: safe during a measurement). */
	cpu(): Promise<CpuSample>;
	/** Starts a V8 CPU profile in the server; `stopProfile` writes it as a .cpuprofile file. */
	startProfile(): Promise<void>;
	stopProfile(file: string): Promise<string>;
	stop(): Promise<void>;
}

export interface ServerOptions {
	dataDir?: string;
	/** Extra environment (the app reads its limits from it). */
	env?: Record<string, string>;
	/** Extra arguments for the server script. */
	args?: string[];
}

/**
 * Resolves with the port once a server child logs `listening` (pino JSON lines on stdout); every
 * parsed line goes to `onEntry`. Rejects with the tail of its output if it exits or is too slow.
 */
export function waitForListening(
	child: ChildProcess,
	kind: string,
	onEntry: (entry: Record<string, unknown>, line: string) => void = () => {}
): Promise<number> {
	let output = '';
	child.stderr?.on('data', (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-4000);
	});
	return new Promise<number>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`${kind} server did not start:\n${output}`)),
			START_TIMEOUT_MS
		);
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`${kind} server exited (${code}):\n${output}`));
		});
		if (!child.stdout) throw new Error('no stdout pipe');
		createInterface({ input: child.stdout }).on('line', (line) => {
			let entry: Record<string, unknown>;
			try {
				entry = JSON.parse(line) as Record<string, unknown>;
			} catch {
				output = (output + line + '\n').slice(-4000);
				return;
			}
			onEntry(entry, line);
			if (entry.msg === 'listening') {
				clearTimeout(timer);
				resolve(entry.port as number);
			}
		});
	});
}

/**
 * The key that encrypts API keys at rest, for the servers a bench starts: without it each would
 * generate one into its data folder and say so with a warning, which benches count as problems.
 */
export const BENCH_SECRET_KEY = randomBytes(32).toString('base64');

export async function startServer(kind: Kind, options: ServerOptions = {}): Promise<ServerHandle> {
	const env: Record<string, string | undefined> = {
		...process.env,
		HOST: '127.0.0.1',
		PORT: '0',
		LOG_LEVEL: 'info',
		SECRET_KEY: BENCH_SECRET_KEY,
		...options.env
	};
	delete env.ORIGIN;
	if (options.dataDir) env.DATA_DIR = options.dataDir;
	const child = track(
		spawn(process.execPath, ['--expose-gc', SCRIPTS[kind], ...(options.args ?? [])], {
			cwd: ROOT,
			env,
			stdio: ['ignore', 'pipe', 'pipe', 'ipc']
		})
	);
	const problems: string[] = [];
	serverProblems.push({ kind, problems });
	const port = await waitForListening(child, kind, (entry, line) => {
		if (typeof entry.level === 'number' && entry.level >= 40) problems.push(line);
	});

	let nextId = 1;
	const pending = new Map<number, (reply: ServerReply) => void>();
	child.on('message', (reply: ServerReply) => {
		pending.get(reply.id)?.(reply);
		pending.delete(reply.id);
	});
	async function ask<T extends ServerReply['type']>(
		request: ServerRequest
	): Promise<Extract<ServerReply, { type: T }>> {
		const answer = new Promise<ServerReply>((resolve) => pending.set(request.id, resolve));
		child.send(request);
		const reply = await withTimeout(answer, IPC_TIMEOUT_MS, `${kind} server ${request.type}`);
		if (reply.type !== request.type) throw new Error(`unexpected ${reply.type} reply`);
		return reply as Extract<ServerReply, { type: T }>;
	}

	return {
		kind,
		url: `http://127.0.0.1:${port}`,
		problems,
		async memory() {
			return (await ask<'memory'>({ type: 'memory', id: nextId++ })).sample;
		},
		async snapshot(file) {
			return (await ask<'snapshot'>({ type: 'snapshot', id: nextId++, file })).file;
		},
		async cpu() {
			return (await ask<'cpu'>({ type: 'cpu', id: nextId++ })).sample;
		},
		async startProfile() {
			await ask<'profile'>({ type: 'profile', id: nextId++, action: 'start' });
		},
		async stopProfile(file) {
			const reply = await ask<'profile'>({ type: 'profile', id: nextId++, action: 'stop', file });
			return reply.file ?? file;
		},
		stop: () => stopChild(child)
	};
}

// ---- output ---------------------------------------------------------------------------------------

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Nearest-rank percentile (`p` in percent) of the values, which need not be sorted; NaN if none. */
export function percentile(values: readonly number[], p: number): number {
	if (!values.length) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** A text table, right-aligned but for the first `leftColumns`; the first row is the header. */
export function table(rows: string[][], leftColumns = 0): string {
	const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
	const line = (row: string[]) =>
		row
			.map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
			.join('  ');
	return [
		line(rows[0]),
		widths.map((w) => '-'.repeat(w)).join('  '),
		...rows.slice(1).map(line)
	].join('\n');
}

export function fdLimit(): number {
	// Node raises its soft RLIMIT_NOFILE to the hard limit at startup; children inherit it.
	const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
	return out === 'unlimited' ? Infinity : Number(out);
}

/** One line of machine facts for a bench header. */
export function machineFacts(): string {
	const cpus = os.cpus();
	return (
		`machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ` +
		`${mib(os.totalmem())} RAM, ${os.platform()} ${os.release()}, node ${process.version}, ` +
		`socket.io 4.8, open-file limit ${fdLimit()}`
	);
}

/** Whole-machine CPU time from /proc/stat (Linux), in ms summed over cores; null elsewhere. */
export interface BoxCpu {
	busy: number;
	total: number;
	steal: number;
}

export function boxCpu(): BoxCpu | null {
	let line: string | undefined;
	try {
		line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
	} catch {
		return null;
	}
	if (!line?.startsWith('cpu ')) return null;
	// user nice system idle iowait irq softirq steal, in USER_HZ ticks (1/100 s on Linux).
	const [user, nice, system, idle, iowait, irq, softirq, steal] = line
		.trim()
		.split(/\s+/)
		.slice(1, 9)
		.map((x) => Number(x) * 10);
	const busy = user + nice + system + irq + softirq + steal;
	return { busy, total: busy + idle + iowait, steal };
}

/** The machine's load averages, for a bench header. */
export function loadAverage(): string {
	return os
		.loadavg()
		.map((x) => x.toFixed(1))
		.join(' ');
}
