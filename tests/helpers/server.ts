import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { databaseUrlFor, type TestDialect } from './database.ts';

export interface TestServer {
	url: string;
	/** The server's DATABASE_URL (SQLite in dataDir, or a PostgreSQL database of its own). */
	databaseUrl: string;
	port: number;
	dataDir: string;
	process: ChildProcess;
	/** Every log line the server printed, parsed. */
	logs: Record<string, unknown>[];
	/** Everything the server printed so far: stdout lines (log or not) and stderr. */
	output(): string;
	/** Resolves with the exit code and signal once the process has exited and its output is read. */
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** SIGTERM and wait for exit; returns the exit code. */
	stop(): Promise<number | null>;
	/** SIGKILL and wait. */
	kill(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Starts the real production server (`node server/index.ts`, the built app) on a free port with a
 * fresh database (SQLite, or PostgreSQL under PARLEY_TEST_DB=postgres, or `db` when given). Pass
 * `dataDir` to restart on an existing database.
 */
export async function startServer(
	options: { env?: Record<string, string>; dataDir?: string; db?: TestDialect } = {}
): Promise<TestServer> {
	const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'parley-test-'));
	const databaseUrl = await databaseUrlFor(dataDir, options.db);
	const env: Record<string, string | undefined> = {
		...process.env,
		HOST: '127.0.0.1',
		PORT: '0',
		DATA_DIR: dataDir,
		DATABASE_URL: databaseUrl,
		LOG_LEVEL: 'info',
		// Every test user signs up from 127.0.0.1; tests of the limit itself set it low.
		SIGNUP_MAX_PER_IP_PER_HOUR: '100000',
		...options.env
	};
	if (!options.env?.ORIGIN) delete env.ORIGIN;
	const child = spawn(process.execPath, ['server/index.ts'], {
		cwd: ROOT,
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const logs: Record<string, unknown>[] = [];
	const stdoutLines: string[] = [];
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	// 'close' (not 'exit') fires once stdout and stderr are drained, so the last log lines are in.
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
		child.once('close', (code, signal) => resolve({ code, signal }))
	);
	const port = await new Promise<number>((resolve, reject) => {
		// A server that never listened is killed, or it outlives the suite and loads the machine.
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`server did not start:\n${stderr}`));
		}, 20_000);
		child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
		createInterface({ input: child.stdout }).on('line', (line) => {
			stdoutLines.push(line);
			try {
				const entry = JSON.parse(line) as Record<string, unknown>;
				logs.push(entry);
				if (entry.msg === 'listening') {
					clearTimeout(timer);
					resolve(entry.port as number);
				}
			} catch {
				/* not a log line */
			}
		});
	});
	return {
		url: `http://127.0.0.1:${port}`,
		databaseUrl,
		port,
		dataDir,
		process: child,
		logs,
		output: () => `${stdoutLines.join('\n')}\n${stderr}`,
		exited,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			return (await exited).code;
		},
		async kill() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
			await exited;
		}
	};
}

/**
 * The OUTBOUND_ALLOW setting that lets the server reach these fakes (their `host:port`), as
 * `startServer({ env })` takes it. Server-side requests to 127.0.0.1 are refused otherwise.
 */
export function allowOutbound(...urls: (string | number)[]): { OUTBOUND_ALLOW: string } {
	const hosts = urls.map((url) =>
		typeof url === 'number' ? `127.0.0.1:${url}` : new URL(url).host
	);
	return { OUTBOUND_ALLOW: [...new Set(hosts)].join(',') };
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as { port: number };
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return port;
}

/** Stops the server and deletes its data folder. */
export async function disposeServer(server: TestServer | undefined): Promise<void> {
	if (!server) return;
	await server.stop();
	rmSync(server.dataDir, { recursive: true, force: true });
}

/** The message of every log line the server printed so far. */
export function logMessages(server: TestServer): unknown[] {
	return server.logs.map((entry) => entry.msg);
}
