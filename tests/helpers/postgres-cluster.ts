/**
 * A PostgreSQL cluster of a test's own, for what the suite's shared cluster must not suffer:
 * being stopped and started (restart recovery), or password authentication (the shared one trusts
 * `parley`). Made like scripts/lib/postgres.sh does: initdb in a temp folder, 127.0.0.1 on a free
 * port, run as the `postgres` system user when the tests run as root (PostgreSQL refuses root).
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PostgresCluster {
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
	const dir = mkdtempSync(path.join(tmpdir(), 'parley-pg-own-'));
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
	const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
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
	return {
		url,
		port,
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
