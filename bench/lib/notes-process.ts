/**
 * Process handling for bench/notes.ts, after bench/connections.ts: every child is tracked and
 * killed on any exit path; servers report memory over IPC (bench/lib/server-hook.ts) and their JSON
 * log lines are kept; client workers speak bench/lib/notes-ipc.ts.
 */
import { spawn } from 'node:child_process';
import {
	exited,
	ROOT,
	sleep,
	stopChild,
	track,
	trackDir,
	waitForListening,
	withTimeout
} from './harness.ts';
import type { MemorySample, ServerReply, ServerRequest } from './ipc.ts';
import type { NotesWorkerReply, NotesWorkerRequest, ServerKind } from './notes-ipc.ts';

export { ROOT, sleep, trackDir };

const IPC_TIMEOUT_MS = 120_000;

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
	const port = await waitForListening(child, kind, (entry) => logs.push(entry));

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
