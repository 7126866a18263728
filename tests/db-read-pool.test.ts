/**
 * The usage reports' PostgreSQL pool: a page's queries beyond its four connections wait their
 * turn, however long the queries before them take; they are not refused as a connection timeout
 * (5 s) while the server is there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openReadDb, type ReadDb } from '#lib/server/db/read-db.ts';
import { raw } from '#lib/server/db/sql.ts';
import { parseDatabaseUrl } from '#lib/server/db/target.ts';
import { createPostgresDatabase, TEST_DB } from './helpers/database.ts';

let reads: ReadDb | undefined;
afterAll(() => reads?.close());

describe.skipIf(TEST_DB !== 'postgres')('the report pool on PostgreSQL', () => {
	it('runs 40 slow queries at once to the end, in turns of four (longer than its 5 s timeout)', async () => {
		const db = openReadDb(parseDatabaseUrl(await createPostgresDatabase('reads')));
		reads = db;
		const started = Date.now();
		const results = await Promise.allSettled(
			Array.from({ length: 40 }, (_, i) =>
				db.get<{ n: number }>(raw(`SELECT ${i} AS n FROM pg_sleep(0.6)`))
			)
		);
		expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
		expect(results.map((r) => (r.status === 'fulfilled' ? r.value?.n : null))).toEqual(
			Array.from({ length: 40 }, (_, i) => i)
		);
		// Ten turns of 0.6 s: the queue, not the pool, did the waiting.
		expect(Date.now() - started).toBeGreaterThan(5000);
	});
});
