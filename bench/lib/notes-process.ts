/**
 * Process handling for bench/notes.ts, after bench/connections.ts: every child is tracked and
 * killed on any exit path; servers report memory over IPC (bench/lib/server-hook.ts) and their JSON
 * log lines are kept; client workers speak bench/lib/notes-ipc.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { MemorySample, ServerReply, ServerRequest } from './ipc.ts';
import type { NotesWorkerReply, NotesWorkerRequest, ServerKind } from './notes-ipc.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 60_000;
const IPC_TIMEOUT_MS = 120_000;

const children = new Set<ChildProcess>();
export const tempDirs = new Set<string>();

function track(child: ChildProcess): ChildProcess {
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

export function cleanup(): void {
	for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
	for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
	tempDirs.clear();
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

function exited(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	child.kill('SIGTERM');
	await withTimeout(exited(child), graceMs, 'stop').catch(() => {
		child.kill('SIGKILL');
		return exited(child);
	});
}

export interface ServerHandle {
	kind: ServerKind;
	url: string;
	/** Every JSON line the server printed. */
	logs: Record<string, unknown>[];
	memory(): Promise<MemorySample>;
	stop(): Promise<void>;
}

const SCRIPTS: Record<ServerKind, string> = {
	parley: 'bench/lib/app-server.ts',
	hocuspocus: 'bench/lib/notes-hocuspocus-server.ts'
};

/** Starts a server under test in its own process, with `--expose-gc` and the IPC memory hook. */
export async function startServer(
	kind: ServerKind,
	env: Record<string, string>
): Promise<ServerHandle> {
	const childEnv: Record<string, string | undefined> = {
		...process.env,
		HOST: '127.0.0.1',
		PORT: '0',
		LOG_LEVEL: 'info',
		...env
	};
	delete childEnv.ORIGIN;
	const child = track(
		spawn(process.execPath, ['--expose-gc', SCRIPTS[kind]], {
			cwd: ROOT,
			env: childEnv,
			stdio: ['ignore', 'pipe', 'pipe', 'ipc']
		})
	);
	const logs: Record<string, unknown>[] = [];
	let output = '';
	child.stderr?.on('data', (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-4000);
	});
	const port = await new Promise<number>((resolve, reject) => {
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
			logs.push(entry);
			if (entry.msg === 'listening') {
				clearTimeout(timer);
				resolve(entry.port as number);
			}
		});
	});

	let nextId = 1;
	const pending = new Map<number, (reply: ServerReply) => void>();
	child.on('message', (reply: ServerReply) => {
		pending.get(reply.id)?.(reply);
		pending.delete(reply.id);
	});
	return {
		kind,
		url: `http://127.0.0.1:${port}`,
		logs,
		async memory() {
			const request: ServerRequest = { type: 'memory', id: nextId++ };
			const answer = new Promise<ServerReply>((resolve) => pending.set(request.id, resolve));
			child.send(request);
			const reply = await withTimeout(answer, IPC_TIMEOUT_MS, `${kind} server memory`);
			if (reply.type !== 'memory') throw new Error('unexpected reply');
			return reply.sample;
		},
		stop: () => stopChild(child)
	};
}

export interface Worker {
	ask<T extends NotesWorkerReply['type']>(
		request: NotesWorkerRequest,
		expect: T
	): Promise<Extract<NotesWorkerReply, { type: T }>>;
	close(): Promise<void>;
}

/** Spawns a client worker for one server. */
export function startWorker(kind: ServerKind, url: string, token: string): Worker {
	const child = track(
		spawn(process.execPath, ['bench/lib/notes-clients.ts', kind, url], {
			cwd: ROOT,
			env: { ...process.env, BENCH_TOKEN: token },
			stdio: ['ignore', 'inherit', 'inherit', 'ipc']
		})
	);
	let waiting: ((reply: NotesWorkerReply) => void) | null = null;
	child.on('message', (reply: NotesWorkerReply) => waiting?.(reply));
	const died = exited(child).then(() => {
		throw new Error(`${kind} client worker exited (${child.exitCode})`);
	});
	died.catch(() => {});
	return {
		async ask(request, expect) {
			const answer = new Promise<NotesWorkerReply>((resolve) => (waiting = resolve));
			child.send(request);
			const reply = await withTimeout(
				Promise.race([answer, died]),
				IPC_TIMEOUT_MS,
				`${kind} worker ${request.type}`
			);
			waiting = null;
			if (reply.type === 'failed') throw new Error(`${kind} worker: ${reply.message}`);
			if (reply.type !== expect) throw new Error(`${kind} worker answered ${reply.type}`);
			return reply as Extract<NotesWorkerReply, { type: typeof expect }>;
		},
		async close() {
			if (child.connected) child.send({ type: 'close' } satisfies NotesWorkerRequest);
			await withTimeout(exited(child), 10_000, 'worker exit').catch(() => stopChild(child, 1000));
		}
	};
}

/** Polls a server until it holds exactly `count` connections; returns that (post-GC) sample. */
export async function settle(server: ServerHandle, count: number): Promise<MemorySample> {
	const deadline = Date.now() + 30_000;
	for (;;) {
		const sample = await server.memory();
		if (sample.clients === count) return sample;
		if (Date.now() > deadline) {
			throw new Error(`${server.kind} holds ${sample.clients} connections, expected ${count}`);
		}
		await sleep(250);
	}
}
