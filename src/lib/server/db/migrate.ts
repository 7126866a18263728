import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { explainConnectError } from './errors.ts';
import type { DatabaseTarget, Dialect } from './target.ts';

/** The table Prisma Migrate keeps, with the DDL Prisma itself uses on each database. */
const MIGRATIONS_TABLE_DDL: Record<Dialect, string> = {
	sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
	postgres: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`
};

const PRISMA_DIR = path.resolve(import.meta.dirname, '../../../../prisma');

/** The committed Prisma Migrate folder of a database kind. */
export function migrationsDir(dialect: Dialect): string {
	return path.join(PRISMA_DIR, dialect === 'sqlite' ? 'sqlite' : 'postgresql', 'migrations');
}

/** A database whose migrations cannot be applied; the message says what to do. */
export class MigrationError extends Error {
	override name = 'MigrationError';
}

export interface MigrationStatus {
	applied: string[];
	pending: string[];
	/** Applied to the database but unknown to this code: the database is newer than Parley. */
	unknown: string[];
}

interface Migration {
	name: string;
	sql: string;
	checksum: string;
}

/** What the migrator needs of a connection; one implementation per database. */
interface MigrationConnection {
	finished(): Promise<string[]>;
	/** Runs one migration and records it, in one transaction. */
	apply(migration: Migration): Promise<void>;
	close(): Promise<void>;
}

function committed(dir: string): Migration[] {
	if (!existsSync(dir)) throw new Error(`Migrations folder not found: ${dir}`);
	return readdirSync(dir, { withFileTypes: true })
		.filter((e) => e.isDirectory())
		.map((e) => e.name)
		.sort()
		.map((name) => {
			const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
			return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
		});
}

/** Lists applied, pending and unknown migrations without changing anything. */
export async function migrationStatus(
	target: DatabaseTarget,
	dir = migrationsDir(target.kind)
): Promise<MigrationStatus> {
	const connection = await connect(target);
	try {
		return compare(committed(dir), await connection.finished());
	} finally {
		await connection.close();
	}
}

/**
 * The status of a database whose finished migrations are `finished` (read by the caller, e.g. on a
 * read-only connection), against the committed migrations of its kind.
 */
export function statusOf(dialect: Dialect, finished: string[]): MigrationStatus {
	return compare(committed(migrationsDir(dialect)), finished);
}

function compare(migrations: Migration[], finished: string[]): MigrationStatus {
	const known = new Set(migrations.map((m) => m.name));
	const done = new Set(finished);
	return {
		applied: migrations.filter((m) => done.has(m.name)).map((m) => m.name),
		pending: migrations.filter((m) => !done.has(m.name)).map((m) => m.name),
		unknown: finished.filter((name) => !known.has(name)).sort()
	};
}

/**
 * Applies committed Prisma Migrate folders that the database has not seen yet, each in its own
 * transaction, and records them in `_prisma_migrations` exactly as `prisma migrate deploy` does, so
 * the Prisma CLI agrees with the result. Keeps Prisma's schema engine out of the production path.
 * Refuses a database that has migrations this code does not know (it was upgraded by a newer
 * Parley). Returns the names of the migrations it applied.
 */
export async function applyMigrations(
	target: DatabaseTarget,
	dir = migrationsDir(target.kind)
): Promise<string[]> {
	const migrations = committed(dir);
	const connection = await connect(target);
	try {
		const status = compare(migrations, await connection.finished());
		if (status.unknown.length) {
			throw new MigrationError(
				`The database has migrations this version of Parley does not know (${status.unknown.join(', ')}): it was upgraded by a newer Parley. Run that version, or restore a backup taken before the upgrade.`
			);
		}
		const pending = migrations.filter((m) => status.pending.includes(m.name));
		for (const migration of pending) await connection.apply(migration);
		return pending.map((m) => m.name);
	} finally {
		await connection.close();
	}
}

async function connect(target: DatabaseTarget): Promise<MigrationConnection> {
	return target.kind === 'sqlite' ? connectSqlite(target.file) : connectPostgres(target.url);
}

const FINISHED =
	'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL';

/**
 * The table is created by the first migration applied, not by reading: `parley db status` on a
 * new database changes nothing.
 */
const HAS_TABLE = {
	sqlite: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'",
	postgres: "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present"
};

/**
 * SQLite: Prisma changes a table by copying it into a new one, `DROP TABLE` and a rename, between
 * `PRAGMA foreign_keys=OFF` and `=ON`. Those pragmas do nothing inside a transaction, and with
 * foreign keys on, the `DROP TABLE` deletes the rows of every table that cascades from it (a
 * note's snapshot, log and shares). So foreign keys are off for the whole transaction, and checked
 * before it commits, as SQLite's own procedure for changing a table says.
 */
function connectSqlite(file: string): MigrationConnection {
	mkdirSync(path.dirname(file), { recursive: true });
	const db = new Database(file, { timeout: 5000 });
	return {
		finished: async () =>
			db.prepare(HAS_TABLE.sqlite).get() ? (db.prepare(FINISHED).pluck().all() as string[]) : [],
		async apply({ name, sql, checksum }) {
			const startedAt = Date.now();
			db.pragma('foreign_keys = OFF');
			try {
				db.transaction(() => {
					db.exec(MIGRATIONS_TABLE_DDL.sqlite);
					db.exec(sql);
					const broken = db.pragma('foreign_key_check') as { table: string }[];
					if (broken.length) {
						throw new MigrationError(
							`Migration ${name} would leave rows of ${broken[0].table} pointing at nothing; nothing was changed.`
						);
					}
					db.prepare(
						`INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
					 VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`
					).run(randomUUID(), checksum, Date.now(), name, startedAt);
				})();
			} finally {
				db.pragma('foreign_keys = ON');
			}
		},
		close: async () => void db.close()
	};
}

/** Any constant: processes starting together take turns at migrating. */
const MIGRATION_LOCK = 7_261_203;

async function connectPostgres(url: string): Promise<MigrationConnection> {
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
	client.on('error', () => {});
	try {
		await client.connect();
	} catch (error) {
		await client.end().catch(() => {});
		throw explainConnectError(error, url);
	}
	await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
	return {
		async finished() {
			const [{ present }] = (await client.query<{ present: boolean }>(HAS_TABLE.postgres)).rows;
			if (!present) return [];
			return (await client.query<{ migration_name: string }>(FINISHED)).rows.map(
				(r) => r.migration_name
			);
		},
		async apply({ name, sql, checksum }) {
			await client.query('BEGIN');
			try {
				const startedAt = new Date();
				await client.query(MIGRATIONS_TABLE_DDL.postgres);
				await client.query(sql);
				await client.query(
					`INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
					 VALUES ($1, $2, now(), $3, NULL, NULL, $4, 1)`,
					[randomUUID(), checksum, name, startedAt]
				);
				await client.query('COMMIT');
			} catch (error) {
				await client.query('ROLLBACK').catch(() => {});
				throw new MigrationError(
					`Migration ${name} failed and was rolled back: ${(error as Error).message}`
				);
			}
		},
		close: () => client.end()
	};
}
