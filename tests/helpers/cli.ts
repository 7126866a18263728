import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliRun {
	child: ChildProcess;
	/** Everything printed so far. */
	stdout(): string;
	stderr(): string;
	exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `node bin/parley.ts …` with these variables (the same as the server reads; see `cliEnv`). */
export function startCli(args: string[], env: Record<string, string>): CliRun {
	const child = spawn(process.execPath, ['bin/parley.ts', ...args], {
		cwd: ROOT,
		env: { ...process.env, LOG_LEVEL: 'warn', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	let err = '';
	child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
	const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
		child.once('close', (code) => resolve({ code, stdout: out, stderr: err }))
	);
	return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * The environment that points the CLI at a test server's data: its folder and its database (the
 * server's DATABASE_URL, so it also finds a PostgreSQL database), plus `extra`.
 */
export function cliEnv(
	server: { dataDir: string; databaseUrl: string },
	extra: Record<string, string> = {}
): Record<string, string> {
	return { DATA_DIR: server.dataDir, DATABASE_URL: server.databaseUrl, ...extra };
}

export function runCli(args: string[], env: Record<string, string>) {
	return startCli(args, env).exited;
}
