/**
 * bench:analytics on PostgreSQL: copies the generated SQLite workspace's tables the dashboard reads
 * (people, channels, channel messages, AI answers) into a fresh PostgreSQL database, so both
 * databases hold exactly the same facts, with `COPY … FROM STDIN` (analytics-copy.ts).
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { applyMigrations } from '../../src/lib/server/db/migrate.ts';
import { parseDatabaseUrl } from '../../src/lib/server/db/target.ts';
import { copyTable } from './analytics-copy.ts';

export const TABLES = ['User', 'Channel', 'Message', 'UsageRecord'];
/** The rollup tables, for the bulk path that copies them from the SQLite file's rebuild. */
export const ROLLUP_TABLES = [
	'UsageUser',
	'UsageModel',
	'UsageBucket',
	'UsageBucketDay',
	'UsageUserDay',
	'UsageUserModelDay',
	'UsageUserBlock'
];

/** Creates a database on the server of `adminUrl` (a URL without a database name). */
export async function createBenchDatabase(adminUrl: string): Promise<string> {
	const name = `bench_analytics_${randomBytes(4).toString('hex')}`;
	const admin = new pg.Client({ connectionString: `${adminUrl}/postgres` });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE "${name}"`);
	} finally {
		await admin.end();
	}
	return `${adminUrl}/${name}`;
}

export async function dropBenchDatabase(url: string): Promise<void> {
	const name = new URL(url).pathname.slice(1);
	const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
	await admin.connect();
	try {
		await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
	} finally {
		await admin.end();
	}
}

/**
 * Copies `tables` (by default the generated facts: people, channels, messages, answers) from the
 * SQLite file into the migrated, empty PostgreSQL database at `url`: the fact tables' secondary
 * indexes dropped during the load and built once after it, then ANALYZE.
 */
export async function copyToPostgres(
	file: string,
	url: string,
	onTable?: (table: string, rows: number) => void,
	tables: readonly string[] = TABLES
): Promise<void> {
	await applyMigrations(parseDatabaseUrl(url));
	const source = new Database(file, { readonly: true });
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		const { rows: roles } = await client.query<{ rolsuper: boolean }>(
			'SELECT rolsuper FROM pg_roles WHERE rolname = current_user'
		);
		const trusted = roles[0]?.rolsuper === true;
		// Index builds sort in memory rather than in temporary files.
		await client.query(`SET maintenance_work_mem = '512MB'`);
		const { rows: indexes } = await client.query<{ name: string; sql: string }>(
			`SELECT indexname AS name, indexdef AS sql FROM pg_indexes
			 WHERE tablename = ANY($1) AND indexname NOT LIKE '%_pkey'`,
			[[...tables]]
		);
		for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);
		for (const table of tables) {
			const { rows: columns } = await client.query<{ name: string }>(
				`SELECT column_name AS name FROM information_schema.columns
				 WHERE table_name = $1 ORDER BY ordinal_position`,
				[table]
			);
			const count = await copyTable(
				source,
				url,
				table,
				columns.map((c) => c.name),
				trusted
			);
			onTable?.(table, count);
		}
		for (const index of indexes) await client.query(index.sql);
		// A copied UsageUser keeps its keys; its sequence must move past them.
		if (tables.includes('UsageUser')) {
			await client.query(
				`SELECT setval(pg_get_serial_sequence('"UsageUser"', 'key'), COALESCE(MAX(key), 0) + 1, false) FROM "UsageUser"`
			);
		}
		await client.query('ANALYZE');
	} finally {
		await client.end();
		source.close();
	}
}
