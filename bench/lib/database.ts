/**
 * `--db=sqlite|postgres` for the benchmarks. With postgres, a throwaway PostgreSQL cluster starts
 * once per run (scripts/lib/postgres.sh: initdb in a temp folder, 127.0.0.1, a free port, fsync
 * off like the tests) and every Parley server the bench starts gets a fresh database in it; the
 * cluster stops when the bench exits. With sqlite (the default), servers use the file in their
 * DATA_DIR as before.
 */
import { execFileSync } from 'node:child_process';
import { createPostgresDatabase } from '../../tests/helpers/database.ts';
import { ROOT, tempDir } from './harness.ts';

export type BenchDatabase = 'sqlite' | 'postgres';

/** The `--db=` option's value, checked. */
export function parseBenchDatabase(value: string | undefined): BenchDatabase {
	if (value === undefined || value === 'sqlite') return 'sqlite';
	if (value === 'postgres' || value === 'postgresql') return 'postgres';
	throw new Error(`--db must be sqlite or postgres, not ${value}`);
}

let cluster: { url: string; pid: number; dir: string } | undefined;

function startCluster(): { url: string; pid: number; dir: string } {
	const out = execFileSync(
		'bash',
		[
			'-c',
			'source scripts/lib/postgres.sh && start_postgres >&2 && echo "$POSTGRES_URL $POSTGRES_PID $POSTGRES_DIR"'
		],
		{ cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }
	).trim();
	const [url, pid, dir] = out.split(' ');
	const started = { url, pid: Number(pid), dir };
	// Synchronously (timers no longer run at exit): fast shutdown, wait for it, remove the folder.
	process.on('exit', () => {
		execFileSync('bash', ['-c', 'source scripts/lib/postgres.sh && stop_postgres'], {
			cwd: ROOT,
			env: { ...process.env, POSTGRES_PID: pid, POSTGRES_DIR: dir },
			stdio: 'ignore'
		});
	});
	return started;
}

/**
 * The environment that points a Parley server at its database: nothing for SQLite (DATA_DIR's
 * file), or DATABASE_URL of a fresh PostgreSQL database.
 */
export async function databaseEnv(db: BenchDatabase): Promise<Record<string, string>> {
	if (db === 'sqlite') return {};
	cluster ??= startCluster();
	return { DATABASE_URL: await createPostgresDatabase('bench', cluster.url) };
}

/** Where a Parley server keeps its data: its DATA_DIR, and `databaseEnv`'s variables. */
export interface ParleyData {
	dataDir: string;
	env: Record<string, string>;
}

/** A fresh temporary DATA_DIR (removed at exit) and, on PostgreSQL, a fresh database. */
export async function parleyData(db: BenchDatabase, prefix = 'parley-bench-'): Promise<ParleyData> {
	return { dataDir: tempDir(prefix), env: await databaseEnv(db) };
}
