/**
 * What every bench orchestrator needs: tracking of child processes and temp folders (removed on
 * success, failure, timeout and Ctrl-C), timeouts, percentiles, tables and machine facts. Starting
 * processes is bench/lib/processes.ts.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

/** A fresh folder in the system's temp folder, removed on any exit path. */
export function tempDir(prefix: string): string {
	return trackDir(mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export function cleanup(): void {
	for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
	for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
	tempDirs.clear();
}

/** Warn/error log lines of every server started, shown when the bench fails. */
const serverProblems: { name: string; problems: string[] }[] = [];

/** Registers a server's warn/error lines (filled as it logs them) to show if the bench fails. */
export function reportProblems(name: string, problems: string[]): void {
	serverProblems.push({ name, problems });
}

export function fail(error: unknown): never {
	console.error(`\n${benchName} failed: ${error instanceof Error ? error.message : error}`);
	for (const { name, problems } of serverProblems) {
		for (const line of problems.slice(0, 3)) console.error(`${name} logged: ${line}`);
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

/**
 * Runs `main`, then cleans up and exits (0, or `process.exitCode` if main set it), or reports the
 * error, cleans up and exits 1.
 */
export async function runMain(main: () => Promise<void>): Promise<never> {
	try {
		await main();
		cleanup();
		process.exit();
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
