/**
 * A throwaway PostgreSQL cluster: initdb in a temp folder, 127.0.0.1 on a free port, run as the
 * `postgres` system user when started as root (PostgreSQL refuses root), tuned for tests (no fsync:
 * a test cluster is thrown away, so durability across an OS crash buys nothing; a fast shutdown
 * still keeps every commit). The test command and the benches start one through postgres.sh
 * (`node scripts/lib/postgres-cluster.ts start` prints its shell variables); suites that stop and
 * start a cluster, or need password authentication, start one of their own.
 */
import { execFile } from 'node:child_process';
import {
	chownSync,
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PostgresCluster {
	/** The postmaster's PID when it started, and the cluster's folder (data, socket, log). */
	pid: number;
	dir: string;
	/** Debian's PostgreSQL binaries (psql, pg_ctl, …). */
	bin: string;
	/** Superuser URL without a database name (`parley`, trusted). */
	url: string;
	port: number;
	/** Creates an empty database and returns its URL (as the superuser). */
	createDatabase(name: string): Promise<string>;
	/** Runs SQL as the superuser on the `postgres` database. */
	sql(statement: string): Promise<void>;
	/** Fast shutdown: open connections are closed, the data stays. */
	stop(): Promise<void>;
	/** Starts it again on the same port. */
	start(): Promise<void>;
	/** Stops it and deletes its folder. */
	dispose(): Promise<void>;
}

function binDir(): string {
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root) ? readdirSync(root).sort().reverse() : [];
	for (const version of versions) {
		const dir = path.join(root, version, 'bin');
		if (existsSync(path.join(dir, 'initdb'))) return dir;
	}
	throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
		server.once('error', reject);
	});
}

/**
 * Starts a cluster. Local TCP connections of `parley` are trusted; every other role must give its
 * password (scram-sha-256), so a wrong one is refused as on a real server.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
	const bin = binDir();
	const dir = mkdtempSync(path.join(tmpdir(), 'parley-pg-'));
	const data = path.join(dir, 'data');
	const asRoot = process.getuid?.() === 0;
	if (asRoot) chownSync(dir, ...(await postgresIds()));
	const exec = (file: string, args: string[]) =>
		asRoot
			? run('runuser', ['-u', 'postgres', '--', path.join(bin, file), ...args])
			: run(path.join(bin, file), args);
	await exec('initdb', [
		'-D',
		data,
		'-U',
		'parley',
		'--auth=trust',
		'-E',
		'UTF8',
		'--locale=C.UTF-8'
	]);
	const hba = [
		'local all all trust',
		'host all parley 127.0.0.1/32 trust',
		'host all all 127.0.0.1/32 scram-sha-256'
	];
	writeFileSync(path.join(data, 'pg_hba.conf'), `${hba.join('\n')}\n`);
	const port = await freePort();
	const options = [
		`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
		'-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400'
	].join(' ');
	const start = () =>
		exec('pg_ctl', [
			'-D',
			data,
			'-l',
			path.join(dir, 'server.log'),
			'-w',
			'-t',
			'30',
			'-o',
			options,
			'start'
		]);
	const stop = () => exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
	await start();
	const url = `postgresql://parley@127.0.0.1:${port}`;
	const sql = async (statement: string) => {
		const client = new pg.Client({ connectionString: `${url}/postgres` });
		await client.connect();
		try {
			await client.query(statement);
		} finally {
			await client.end();
		}
	};
	let running = true;
	const pid = () => Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
	return {
		url,
		port,
		pid: pid(),
		dir,
		bin,
		sql,
		async createDatabase(name) {
			await sql(`CREATE DATABASE "${name}"`);
			return `${url}/${name}`;
		},
		async stop() {
			await stop();
			running = false;
		},
		async start() {
			await start();
			running = true;
		},
		async dispose() {
			if (running) await stop().catch(() => {});
			running = false;
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

async function postgresIds(): Promise<[number, number]> {
	const { stdout } = await run('id', ['-u', 'postgres']);
	const { stdout: group } = await run('id', ['-g', 'postgres']);
	return [Number(stdout.trim()), Number(group.trim())];
}

// `node scripts/lib/postgres-cluster.ts start`: starts one and prints its shell variables for
// postgres.sh; it keeps running after this process exits (stop it by its PID).
if (import.meta.main && process.argv[2] === 'start') {
	const cluster = await startPostgresCluster();
	const vars = {
		POSTGRES_URL: cluster.url,
		POSTGRES_PID: cluster.pid,
		POSTGRES_DIR: cluster.dir,
		POSTGRES_BIN: cluster.bin
	};
	for (const [name, value] of Object.entries(vars)) console.log(`${name}=${value}`);
}
