import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { TestServer } from './server.ts';

/**
 * Opens the server's SQLite file beside it (WAL mode allows a second connection). Prisma's SQLite
 * adapter stores DateTime columns as ISO-8601 text such as `2026-12-27T14:53:02.058+00:00`.
 */
export function openDb(server: TestServer): Database.Database {
	return new Database(`${server.dataDir}/parley.db`, { timeout: 5000 });
}

/** The Session row id for a cookie token: its SHA-256 in hex, as the server stores it. */
export function sessionId(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** A Date in the format Prisma writes to SQLite. */
export function sqliteDate(date: Date): string {
	return date.toISOString().replace('Z', '+00:00');
}

/** Reads a DateTime column back as a Date. */
export function parseSqliteDate(value: unknown): Date {
	if (typeof value === 'number') return new Date(value);
	return new Date(String(value));
}
