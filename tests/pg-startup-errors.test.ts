/**
 * Start-up errors: a database Parley cannot use ends the process before it listens, with exit
 * code 1 and one line on stderr that says what is wrong (and no password). The PostgreSQL cases
 * (unreachable, wrong password, no such database) need a server, so they run in the PostgreSQL
 * run, on a cluster of their own that asks for passwords.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dbDate, openTestDb, TEST_DB } from './helpers/database.ts';
import { startPostgresCluster, type PostgresCluster } from '../scripts/lib/postgres-cluster.ts';
import { closedPort, disposeServer, startServer } from './helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const folders: string[] = [];

interface Refusal {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs the production server with this DATABASE_URL until it exits (it must, within 30 s). */
async function startExpectingExit(databaseUrl: string): Promise<Refusal> {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-startup-'));
	folders.push(dataDir);
	const child = spawn(process.execPath, ['server/index.ts'], {
		cwd: ROOT,
		env: {
			...process.env,
			HOST: '127.0.0.1',
			PORT: '0',
			DATA_DIR: dataDir,
			DATABASE_URL: databaseUrl,
			LOG_LEVEL: 'info'
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
	const code = await new Promise<number | null>((resolve) =>
		child.once('close', (exitCode) => resolve(exitCode))
	);
	clearTimeout(timer);
	return { code, stdout, stderr };
}

/**
 * Exit code 1, never listening, no stack trace, and the message on stderr: one line for a database
 * that cannot be used; a configuration error lists its problems under one heading line.
 */
function expectRefused(refusal: Refusal, message: RegExp, shape: 'line' | 'list' = 'line'): void {
	expect(refusal.stdout).not.toMatch(/"msg":"listening"/);
	expect(refusal.code).toBe(1);
	expect(refusal.stderr).not.toMatch(/^\s+at /m);
	const lines = refusal.stderr.trimEnd().split('\n');
	if (shape === 'line') expect(lines).toHaveLength(1);
	else expect(lines[0]).toBe('Parley cannot start: Invalid configuration:');
	expect(lines[0]).toMatch(/^Parley cannot start: /);
	expect(refusal.stderr).toMatch(message);
}

afterAll(() => {
	for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('a malformed DATABASE_URL', () => {
	test.each([
		[
			'mysql://parley@127.0.0.1/parley',
			/DATABASE_URL must start with file: \(SQLite\) or postgresql:\/\//
		],
		['postgresql://parley:se%cret@127.0.0.1:5432', /DATABASE_URL names no PostgreSQL database/],
		['postgresql://parley:hunter2@[::1/parley', /DATABASE_URL is not a valid PostgreSQL URL/],
		['file:', /DATABASE_URL file: needs a path/]
	])('%s', async (url, message) => {
		const refusal = await startExpectingExit(url);
		expectRefused(refusal, message, 'list');
		expect(refusal.stderr).not.toContain('hunter2');
	});
});

test('a database with a migration this code does not know (upgraded by a newer Parley)', async () => {
	const first = await startServer();
	folders.push(first.dataDir);
	const databaseUrl = first.databaseUrl;
	expect(await first.stop()).toBe(0);
	const db = await openTestDb(databaseUrl);
	try {
		const now = dbDate(new Date());
		await db.run(
			`INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count")
			VALUES (?, ?, ?, ?, ?, ?)`,
			'from-the-future',
			'0'.repeat(64),
			now,
			'29991231000000_from_a_newer_parley',
			now,
			1
		);
	} finally {
		await db.close();
	}
	expectRefused(
		await startExpectingExit(databaseUrl),
		/migrations this version of Parley does not know \(29991231000000_from_a_newer_parley\)/
	);
});

describe.skipIf(TEST_DB !== 'postgres')('PostgreSQL that cannot be used', () => {
	let cluster: PostgresCluster;

	beforeAll(async () => {
		cluster = await startPostgresCluster();
		await cluster.createDatabase('parley_app');
		await cluster.sql(`CREATE ROLE app LOGIN PASSWORD 'right-password'`);
		await cluster.sql(`GRANT ALL ON DATABASE parley_app TO app`);
		await cluster.sql(`ALTER DATABASE parley_app OWNER TO app`);
	}, 60_000);

	afterAll(async () => {
		await cluster?.dispose();
	});

	test('unreachable: nothing listens on the port', async () => {
		const port = await closedPort();
		expectRefused(
			await startExpectingExit(`postgresql://app:hunter2@127.0.0.1:${port}/parley_app`),
			new RegExp(`cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}: connection refused`)
		);
	});

	test('a wrong password', async () => {
		const refusal = await startExpectingExit(
			`postgresql://app:hunter2@127.0.0.1:${cluster.port}/parley_app`
		);
		expectRefused(refusal, /refused the password for user "app"/);
		expect(refusal.stderr).not.toContain('hunter2');
	});

	test('a database that does not exist', async () => {
		expectRefused(
			await startExpectingExit(`postgresql://app:right-password@127.0.0.1:${cluster.port}/nope`),
			/has no database "nope": create it first/
		);
	});

	test('the right password starts (the cases above fail for their own reason)', async () => {
		const server = await startServer({
			env: { DATABASE_URL: `postgresql://app:right-password@127.0.0.1:${cluster.port}/parley_app` }
		});
		try {
			const health = await fetch(`${server.url}/healthz`);
			expect(health.status).toBe(200);
		} finally {
			await disposeServer(server);
		}
	});
});
