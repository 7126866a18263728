/**
 * Every process a bench starts, started one way: `spawnProcess` runs a script with an IPC channel,
 * waits for its `ready` (bench/lib/ipc.ts) and calls its methods; `startServer` does so for a
 * server under test with the in-server probe (bench/lib/probe.ts) loaded; `startParley` starts the
 * production build (server/index.ts, build/handler.js) on the bench's database
 * (bench/lib/database.ts). Each child is tracked and killed on any exit path (bench/lib/harness.ts).
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ParleyData } from './database.ts';
import { exited, reportProblems, ROOT, sleep, track, withTimeout } from './harness.ts';
import type { Api, FromChild, Remote, ToChild } from './ipc.ts';
import type { ProbeApi } from './probe.ts';

const READY_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;

export interface SpawnOptions {
	/** Used in messages; the script's name by default. */
	name?: string;
	/** Node.js flags before the script. */
	nodeArgs?: string[];
	args?: string[];
	/** Added to this process's environment; `undefined` removes a variable. */
	env?: Record<string, string | undefined>;
	/** Pipe the child's output and keep its JSON log lines (servers); otherwise it is inherited. */
	logs?: boolean;
	readyTimeoutMs?: number;
	callTimeoutMs?: number;
}

export interface BenchProcess<A extends Api, Info = unknown> {
	name: string;
	child: ChildProcess;
	/** What the child said when it was ready. */
	info: Info;
	/** Its methods: each call is one IPC round trip. */
	api: Remote<A>;
	/** With `logs`: every JSON line it printed, and those at warn level or above. */
	logs: Record<string, unknown>[];
	problems: string[];
	/** SIGTERM (servers shut down, workers close their sockets), SIGKILL if it lingers. */
	stop(): Promise<void>;
}

export async function spawnProcess<A extends Api, Info = unknown>(
	script: string,
	options: SpawnOptions = {}
): Promise<BenchProcess<A, Info>> {
	const name = options.name ?? script;
	const child = track(
		spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
			cwd: ROOT,
			env: { ...process.env, ...options.env },
			stdio: options.logs
				? ['ignore', 'pipe', 'pipe', 'ipc']
				: ['ignore', 'inherit', 'inherit', 'ipc']
		})
	);
	const logs: Record<string, unknown>[] = [];
	const problems: string[] = [];
	let output = '';
	if (options.logs) {
		reportProblems(name, problems);
		child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk).slice(-4000)));
		if (!child.stdout) throw new Error('no stdout pipe');
		createInterface({ input: child.stdout }).on('line', (line) => {
			try {
				const entry = JSON.parse(line) as Record<string, unknown>;
				logs.push(entry);
				if (typeof entry.level === 'number' && entry.level >= 40) problems.push(line);
			} catch {
				output = (output + line + '\n').slice(-4000);
			}
		});
	}

	let nextId = 1;
	const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
	let readyInfo: (info: unknown) => void = () => {};
	const isReady = new Promise<unknown>((resolve) => (readyInfo = resolve));
	child.on('message', (message: FromChild) => {
		if (message.bench === 'ready') return readyInfo(message.info);
		const waiting = pending.get(message.id);
		pending.delete(message.id);
		if (message.bench === 'result') waiting?.resolve(message.value);
		else waiting?.reject(new Error(`${name}: ${message.message}`));
	});
	const gone = exited(child).then(() => {
		const code = child.exitCode ?? child.signalCode;
		const error = new Error(`${name} exited (${code})${output ? `\n${output}` : ''}`);
		for (const { reject } of pending.values()) reject(error);
		pending.clear();
		throw error;
	});
	gone.catch(() => {});

	const info = await withTimeout(
		Promise.race([isReady, gone]),
		options.readyTimeoutMs ?? READY_TIMEOUT_MS,
		`${name} start`
	).catch((error: Error) => {
		child.kill('SIGKILL');
		throw new Error(`${error.message}${error.message.includes(output) ? '' : `\n${output}`}`);
	});

	const call = async (method: string, args: unknown[]) => {
		const id = nextId++;
		const answer = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
		child.send({ bench: 'call', id, method, args } satisfies ToChild);
		return await withTimeout(answer, options.callTimeoutMs ?? CALL_TIMEOUT_MS, `${name} ${method}`);
	};
	const api = new Proxy(
		{},
		{
			get:
				(_, method) =>
				(...args: unknown[]) =>
					call(String(method), args)
		}
	) as Remote<A>;

	return {
		name,
		child,
		info: info as Info,
		api,
		logs,
		problems,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			await withTimeout(exited(child), STOP_GRACE_MS, `${name} stop`).catch(() => {
				child.kill('SIGKILL');
				return exited(child);
			});
		}
	};
}

export interface Server extends BenchProcess<ProbeApi, { port: number }> {
	url: string;
}

export interface ServerOptions extends Omit<SpawnOptions, 'logs'> {
	/** The probe's counters to turn on: `loop`, `gc`, `sqlite` (see bench/lib/probe.ts). */
	watch?: ('loop' | 'gc' | 'sqlite')[];
}

/**
 * Starts a server script on 127.0.0.1 and a free port with the in-server probe (and `--expose-gc`,
 * for its memory readings); ready once the server listens.
 */
export async function startServer(script: string, options: ServerOptions = {}): Promise<Server> {
	const server = await spawnProcess<ProbeApi, { port: number }>(script, {
		...options,
		nodeArgs: ['--expose-gc', '--import', './bench/lib/probe.ts', ...(options.nodeArgs ?? [])],
		env: {
			HOST: '127.0.0.1',
			PORT: '0',
			ORIGIN: undefined,
			BENCH_PROBE_WATCH: options.watch?.join(','),
			...options.env
		},
		logs: true
	});
	return { ...server, url: `http://127.0.0.1:${server.info.port}` };
}

/**
 * The key that encrypts API keys at rest, for the servers a bench starts: without it each would
 * generate one into its data folder and say so with a warning, which benches count as problems.
 */
const SECRET_KEY = randomBytes(32).toString('base64');

/** Stops a bench early when the production build it runs is missing: benches build nothing. */
export function requireBuild(): void {
	if (!existsSync(path.join(ROOT, 'build/handler.js'))) {
		throw new Error(
			'build/handler.js is missing. Run `npm run build` first; this bench builds nothing.'
		);
	}
}

/**
 * Parley's production entry (server/index.ts, which loads build/handler.js) on `data` (a DATA_DIR
 * and, on PostgreSQL, its DATABASE_URL), at LOG_LEVEL info unless `env` says otherwise.
 */
export function startParley(data: ParleyData, options: ServerOptions = {}): Promise<Server> {
	return startServer('server/index.ts', {
		name: 'app',
		...options,
		env: {
			LOG_LEVEL: 'info',
			SECRET_KEY,
			DATA_DIR: data.dataDir,
			...data.env,
			...options.env
		}
	});
}

/** Polls a server until it holds exactly `count` connections; returns that (post-GC) sample. */
export async function settle(server: Server, count: number, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const sample = await server.api.memory();
		if (sample.clients === count) return sample;
		if (Date.now() > deadline) {
			throw new Error(`${server.name} holds ${sample.clients} connections, expected ${count}`);
		}
		await sleep(250);
	}
}
