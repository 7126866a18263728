import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** The table Prisma Migrate keeps, with the DDL Prisma itself uses on SQLite. */
const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../../prisma/migrations');

/**
 * Applies committed Prisma Migrate folders that the database has not seen yet, each in its own
 * transaction, and records them in `_prisma_migrations` exactly as `prisma migrate deploy` does, so
 * the Prisma CLI agrees with the result. Keeps Prisma's schema engine out of the production path.
 * Returns the names of the migrations it applied.
 */
export function applyMigrations(file: string, dir = MIGRATIONS_DIR): string[] {
	if (!existsSync(dir)) throw new Error(`Migrations folder not found: ${dir}`);
	mkdirSync(path.dirname(file), { recursive: true });
	const db = new Database(file, { timeout: 5000 });
	try {
		db.exec(MIGRATIONS_TABLE_DDL);
		const done = new Set(
			db
				.prepare(
					'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL'
				)
				.pluck()
				.all() as string[]
		);
		const pending = readdirSync(dir, { withFileTypes: true })
			.filter((e) => e.isDirectory() && !done.has(e.name))
			.map((e) => e.name)
			.sort();
		for (const name of pending) {
			const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
			const checksum = createHash('sha256').update(sql).digest('hex');
			const startedAt = Date.now();
			db.transaction(() => {
				db.exec(sql);
				db.prepare(
					`INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
					 VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`
				).run(randomUUID(), checksum, Date.now(), name, startedAt);
			})();
		}
		return pending;
	} finally {
		db.close();
	}
}
