/**
 * Which database the suite runs on, and throwaway databases on it. `PARLEY_TEST_DB=postgres` (with
 * `POSTGRES_URL`, a superuser URL without a database, from scripts/lib/postgres.sh) gives every
 * server and in-process test a fresh PostgreSQL database; otherwise each gets a fresh SQLite file in
 * its data folder, as before.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres';

export const TEST_DB: TestDialect =
	process.env.PARLEY_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

// COUNT(*) and BigInt columns come back as text from node-postgres; the tests compare numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function postgresAdminUrl(): string {
	const url = process.env.POSTGRES_URL;
	if (!url) throw new Error('PARLEY_TEST_DB=postgres needs POSTGRES_URL (scripts/test.sh sets it)');
	return url.replace(/\/$/, '');
}

/**
 * Creates an empty PostgreSQL database and returns its URL. `cluster` is a superuser URL without a
 * database: the suite's (POSTGRES_URL) unless given.
 */
export async function createPostgresDatabase(
	prefix = 'test',
	cluster = postgresAdminUrl()
): Promise<string> {
	const name = `${prefix}_${randomBytes(6).toString('hex')}`;
	const admin = new pg.Client({ connectionString: `${cluster}/postgres` });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE "${name}"`);
	} finally {
		await admin.end();
	}
	return `${cluster}/${name}`;
}

/** Drops a database made by `createPostgresDatabase` (nothing may be connected to it). */
export async function dropPostgresDatabase(url: string): Promise<void> {
	const name = new URL(url).pathname.slice(1);
	const admin = new pg.Client({ connectionString: `${postgresAdminUrl()}/postgres` });
	await admin.connect();
	try {
		await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
	} finally {
		await admin.end();
	}
}

const URL_FILE = 'database-url';

/**
 * The DATABASE_URL for a server whose data folder is `dataDir`: SQLite's default file in it, or a
 * PostgreSQL database made for that folder on first use (remembered in the folder, so a restart on
 * the same folder finds the same data).
 */
export async function databaseUrlFor(
	dataDir: string,
	dialect: TestDialect = TEST_DB
): Promise<string> {
	if (dialect === 'sqlite') return `file:${path.join(dataDir, 'parley.db')}`;
	const file = path.join(dataDir, URL_FILE);
	if (existsSync(file)) return readFileSync(file, 'utf8');
	const url = await createPostgresDatabase();
	writeFileSync(file, url);
	return url;
}

/**
 * A connection to a test server's database for checks the API cannot make. Write SQL once for both
 * databases: `?` placeholders (numbered for PostgreSQL here), double-quoted identifiers
 * (`"Message"."channelId"`), no dialect functions. Dates go in as `dbDate(…)` and come out through
 * `parseDbDate`.
 */
export interface TestDb {
	readonly dialect: TestDialect;
	all<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
	get<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T | undefined>;
	/** Runs a write; resolves with the number of rows it changed. */
	run(sql: string, ...params: unknown[]): Promise<number>;
	close(): Promise<void>;
}

export async function openTestDb(databaseUrl: string): Promise<TestDb> {
	if (databaseUrl.startsWith('file:')) {
		const db = new Database(databaseUrl.slice('file:'.length), { timeout: 5000 });
		return {
			dialect: 'sqlite',
			all: async <T>(sql: string, ...params: unknown[]) =>
				db.prepare(sql).all(...params.map(sqliteValue)) as T[],
			get: async <T>(sql: string, ...params: unknown[]) =>
				db.prepare(sql).get(...params.map(sqliteValue)) as T | undefined,
			run: async (sql: string, ...params: unknown[]) =>
				db.prepare(sql).run(...params.map(sqliteValue)).changes,
			close: async () => void db.close()
		};
	}
	const client = new pg.Client({ connectionString: databaseUrl });
	client.on('error', () => {});
	await client.connect();
	const query = (sql: string, params: unknown[]) => client.query(numbered(sql), params);
	return {
		dialect: 'postgres',
		all: async <T>(sql: string, ...params: unknown[]) => (await query(sql, params)).rows as T[],
		get: async <T>(sql: string, ...params: unknown[]) =>
			(await query(sql, params)).rows[0] as T | undefined,
		run: async (sql: string, ...params: unknown[]) => (await query(sql, params)).rowCount ?? 0,
		close: () => client.end()
	};
}

/** Opens a server's database, runs `use` on it and closes it again. */
export async function withTestDb<T>(
	server: { databaseUrl: string },
	use: (db: TestDb) => Promise<T>
): Promise<T> {
	const db = await openTestDb(server.databaseUrl);
	try {
		return await use(db);
	} finally {
		await db.close();
	}
}

/** The application's tables (Prisma's own left out), by name. */
export async function tableNames(db: TestDb): Promise<string[]> {
	const rows = await db.all<{ name: string }>(
		db.dialect === 'sqlite'
			? `SELECT "name" FROM "sqlite_master" WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite_%'`
			: `SELECT "table_name" AS "name" FROM "information_schema"."tables" WHERE "table_schema" = current_schema() AND "table_type" = 'BASE TABLE'`
	);
	return rows
		.map((row) => row.name)
		.filter((name) => !name.startsWith('_prisma'))
		.sort();
}

const hexBuffers = (_key: string, value: unknown) =>
	Buffer.isBuffer(value) ? value.toString('hex') : value;

/**
 * A digest of every row of every table, leaving out the columns in `skip` (by table): equal before
 * and after means nothing was written. Rows are sorted here, so neither database's storage order
 * matters.
 */
export async function databaseDigest(
	db: TestDb,
	skip: Record<string, string[]> = {}
): Promise<string> {
	const hash = createHash('sha256');
	for (const name of await tableNames(db)) {
		const left = new Set(skip[name] ?? []);
		const lines = (await db.all(`SELECT * FROM "${name}"`)).map((row) => {
			const kept = Object.entries(row).filter(([column]) => !left.has(column));
			return `${name}:${JSON.stringify(kept, hexBuffers)}\n`;
		});
		for (const line of lines.sort()) hash.update(line);
	}
	return hash.digest('hex');
}

/** `?` → `$1, $2, …` outside string literals. */
function numbered(sql: string): string {
	let n = 0;
	return sql.replace(/'(?:[^']|'')*'|\?/g, (token) => (token === '?' ? `$${++n}` : token));
}

/** better-sqlite3 binds no booleans or Dates; store them as Prisma does. */
function sqliteValue(value: unknown): unknown {
	if (typeof value === 'boolean') return value ? 1 : 0;
	if (value instanceof Date) return dbDate(value);
	return value;
}

/**
 * A Date as a statement parameter: the ISO-8601 text Prisma's SQLite adapter writes
 * (`2026-12-27T14:53:02.058+00:00`), which PostgreSQL also reads into a timestamptz.
 */
export function dbDate(date: Date): string {
	return date.toISOString().replace('Z', '+00:00');
}

/** Reads a DateTime column back as a Date (text or epoch ms on SQLite, a Date on PostgreSQL). */
export function parseDbDate(value: unknown): Date {
	if (value instanceof Date) return value;
	if (typeof value === 'number') return new Date(value);
	return new Date(String(value));
}
