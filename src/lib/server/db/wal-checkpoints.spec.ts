import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { openDatabase, type Database } from './client.ts';
import { q, raw } from './sql.ts';
import { startWalCheckpoints, type WalCheckpoints } from './wal-checkpoints.ts';

let dir: string;
let file: string;
let database: Database;
let checkpoints: WalCheckpoints;

beforeAll(async () => {
	dir = mkdtempSync(path.join(tmpdir(), 'parley-wal-'));
	file = path.join(dir, 'test.db');
	database = await openDatabase({ kind: 'sqlite', url: `file:${file}`, file });
	await database.sql.run(raw('CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB)'));
	checkpoints = await startWalCheckpoints(database.db, file, createLogger('silent'));
});

afterAll(async () => {
	await checkpoints.stop();
	await database.db.$disconnect();
	rmSync(dir, { recursive: true, force: true });
});

const autocheckpoint = async () =>
	(await database.sql.get<{ wal_autocheckpoint: number }>(raw('PRAGMA wal_autocheckpoint')))
		?.wal_autocheckpoint;

describe('WAL checkpoints in a worker thread', () => {
	it('keeps the WAL small while the server connection no longer check-points', async () => {
		expect(await autocheckpoint()).toBe(0);
		const blob = Buffer.alloc(64 * 1024, 7);
		let n = 0;
		// 12 MB in 1 MB transactions: without the worker the WAL would hold all of it. The WAL starts
		// over only when a write finds every frame copied, so each pause gives the worker (every
		// 200 ms) time for a whole round; with shorter ones its size hung on the machine's load.
		const rounds = 12;
		for (let round = 0; round < rounds; round++) {
			await database.sql.transaction(async (tx) => {
				for (let i = 0; i < 16; i++) await tx.run(q`INSERT INTO t (n, b) VALUES (${++n}, ${blob})`);
			});
			await sleep(450);
		}
		expect(statSync(`${file}-wal`).size).toBeLessThan((rounds / 2) * 1024 * 1024);
		expect(
			(await database.sql.get<{ count: number }>(q`SELECT COUNT(*) AS count FROM t`))?.count
		).toBe(n);
	});

	it('hands check-pointing back to the connection when stopped', async () => {
		await checkpoints.stop();
		expect(await autocheckpoint()).toBe(1000);
	});
});
