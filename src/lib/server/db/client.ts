import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/sqlite/client.ts';
import { PrismaClient as PostgresPrismaClient } from '../generated/postgresql/client.ts';
import { adapterSql, SharedAdapterFactory, type SqlDb } from './adapter-sql.ts';
import type { DatabaseTarget, Dialect } from './target.ts';

/**
 * The Prisma client. Both generated clients (prisma/sqlite and prisma/postgresql, from one source
 * schema with the same field types) have the same API; the SQLite one's types stand for both.
 */
export type Db = PrismaClient;
export { Prisma } from '../generated/sqlite/client.ts';

const BUSY_TIMEOUT_MS = 5000;
/** Connections per process. PostgreSQL's default max_connections is 100; several processes share it. */
const POSTGRES_POOL_SIZE = 10;
const POSTGRES_CONNECT_TIMEOUT_MS = 5000;

/** The clients createDb opened on PostgreSQL (Prisma's client is no instance of its class). */
const postgresClients = new WeakSet<Db>();

/**
 * Which database a client from createDb talks to (not a transaction's client), for the few calls
 * whose arguments differ between the two.
 */
export function dialectOf(db: Db): Dialect {
	return postgresClients.has(db) ? 'postgres' : 'sqlite';
}

/** The Prisma client and the seam's statements on the same connection (adapter-sql.ts). */
export interface Database {
	db: Db;
	sql: SqlDb;
}

/** Opens the database a target names. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
	return target.kind === 'sqlite' ? openSqlite(target.file) : openPostgres(target.url);
}

/** Opens the database a target names, for callers that only use Prisma. */
export async function createDb(target: DatabaseTarget): Promise<Db> {
	return (await openDatabase(target)).db;
}

/**
 * SQLite through the better-sqlite3 driver adapter, in WAL mode with a busy timeout, so readers
 * never block the writer and a briefly locked file is waited for instead of failing.
 * `secure_delete = FAST` zeroes deleted and overwritten content inside its page, so an old
 * (encrypted) API key does not linger there; `ON` would also scrub whole freed pages, at the cost of
 * extra writes on every growing answer (measured: +10 ms loop stalls in bench:streams). Plaintext
 * keys from before encryption are scrubbed once, by the VACUUM that follows their encryption.
 */
async function openSqlite(file: string): Promise<Database> {
	mkdirSync(path.dirname(file), { recursive: true });
	const adapter = new SharedAdapterFactory(
		new PrismaBetterSqlite3({ url: `file:${file}`, timeout: BUSY_TIMEOUT_MS })
	);
	const db = new PrismaClient({ adapter });
	await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
	await db.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
	await db.$queryRawUnsafe('PRAGMA secure_delete = FAST');
	return { db, sql: await adapterSql(adapter, 'sqlite') };
}

/**
 * PostgreSQL through node-postgres's pool. A connection the server dropped (a restart) is
 * discarded by the pool and the next query opens a new one, so the app recovers on its own.
 */
async function openPostgres(url: string): Promise<Database> {
	const pg = new PrismaPg(
		{
			connectionString: url,
			max: POSTGRES_POOL_SIZE,
			connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
			idleTimeoutMillis: 30_000
		},
		{
			// Errors on idle pooled connections (the server restarting) must not crash the process;
			// the query that meets a dead connection fails and is answered as `unavailable`.
			onPoolError: () => {},
			onConnectionError: () => {},
			// Named statements are parsed and planned once per connection instead of on every call.
			statementNameGenerator: (query) =>
				`parley_${createHash('sha1').update(query.sql).digest('base64url')}`
		}
	);
	const adapter = new SharedAdapterFactory(pg);
	const db = new PostgresPrismaClient({ adapter }) as unknown as Db;
	postgresClients.add(db);
	await db.$queryRawUnsafe('SELECT 1');
	return { db, sql: await adapterSql(adapter, 'postgres') };
}
