/**
 * bench:analytics on PostgreSQL: copies the generated SQLite workspace's tables the dashboard reads
 * (people, channels, channel messages, AI answers) into a fresh PostgreSQL database, so both
 * databases hold exactly the same facts. Batched `INSERT … SELECT FROM unnest($1::type[], …)`, the
 * fact tables' secondary indexes dropped during the load and built once after it, then ANALYZE.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { applyMigrations } from '../../src/lib/server/db/migrate.ts';
import { parseDatabaseUrl } from '../../src/lib/server/db/target.ts';

const TABLES = ['User', 'Channel', 'Message', 'UsageRecord'] as const;
const BATCH = 20_000;

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

/** Copies the generated rows from the SQLite file into the (empty) PostgreSQL database at `url`. */
export async function copyToPostgres(
	file: string,
	url: string,
	onTable?: (table: string, rows: number) => void
): Promise<void> {
	await applyMigrations(parseDatabaseUrl(url));
	const source = new Database(file, { readonly: true });
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		await client.query('SET synchronous_commit = off');
		const { rows: indexes } = await client.query<{ name: string; sql: string }>(
			`SELECT indexname AS name, indexdef AS sql FROM pg_indexes
			 WHERE tablename IN ('Message', 'UsageRecord') AND indexname NOT LIKE '%_pkey'`
		);
		for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);
		for (const table of TABLES) {
			const { rows: columns } = await client.query<{ name: string; type: string }>(
				`SELECT column_name AS name, udt_name AS type FROM information_schema.columns
				 WHERE table_name = $1 ORDER BY ordinal_position`,
				[table]
			);
			const names = columns.map((c) => `"${c.name}"`).join(', ');
			const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
			const insert = `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${arrays})`;
			const convert = columns.map((c) =>
				c.type === 'bool' ? (v: unknown) => (v === null ? null : Boolean(v)) : (v: unknown) => v
			);
			let batch: unknown[][] = columns.map(() => []);
			let count = 0;
			const flush = async () => {
				if (!batch[0].length) return;
				await client.query(insert, batch);
				batch = columns.map(() => []);
			};
			const read = source.prepare(`SELECT ${names} FROM "${table}"`).raw();
			for (const row of read.iterate() as Iterable<unknown[]>) {
				row.forEach((value, i) => batch[i].push(convert[i](value)));
				if (++count % BATCH === 0) await flush();
			}
			await flush();
			onTable?.(table, count);
		}
		for (const index of indexes) await client.query(index.sql);
		// The sequence behind UsageUser's key is untouched: the rebuild fills UsageUser.
		await client.query('ANALYZE');
	} finally {
		await client.end();
		source.close();
	}
}
