import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteThread } from './sqlite-thread.ts';

let dir: string;
let thread: SqliteThread;

beforeAll(() => {
	dir = mkdtempSync(path.join(tmpdir(), 'parley-sqlite-thread-'));
	const file = path.join(dir, 'test.db');
	const db = new Database(file);
	db.pragma('journal_mode = WAL');
	db.exec('CREATE TABLE t (n INTEGER, b BLOB, s TEXT, maybe INTEGER)');
	const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
	insert.run(1, Buffer.from([1, 2, 3]), 'one', null);
	insert.run(2, Buffer.from([]), 'two', 7);
	insert.run(3, Buffer.from([9]), 'three', null);
	db.close();
	thread = new SqliteThread({ file, readOnly: true });
});

afterAll(async () => {
	await thread.close();
	rmSync(dir, { recursive: true, force: true });
});

describe('SqliteThread.allPacked', () => {
	it('answers the same rows as all, with BLOBs as views into one buffer', async () => {
		const sql = 'SELECT n, b, s, maybe FROM t ORDER BY n';
		const packed = await thread.allPacked(sql, []);
		const plain = (await thread.all(sql, [])) as Record<string, unknown>[];
		expect(packed).toHaveLength(3);
		expect(packed.map((row) => [row.n, row.s, row.maybe])).toEqual(
			plain.map((row) => [row.n, row.s, row.maybe])
		);
		for (const [i, row] of packed.entries()) {
			expect(row.b).toBeInstanceOf(Uint8Array);
			expect([...(row.b as Uint8Array)]).toEqual([...(plain[i].b as Uint8Array)]);
		}
		const buffers = new Set(packed.map((row) => (row.b as Uint8Array).buffer));
		expect(buffers.size).toBe(1);
	});

	it('answers no rows, and parameters are bound', async () => {
		expect(await thread.allPacked('SELECT n, b FROM t WHERE n > ?', [10])).toEqual([]);
		const rows = await thread.allPacked('SELECT n FROM t WHERE s = ?', ['two']);
		expect(rows).toEqual([{ n: 2 }]);
	});

	it('leaves the statement answering plain rows afterwards', async () => {
		const sql = 'SELECT n FROM t WHERE n = ?';
		await thread.allPacked(sql, [1]);
		expect(await thread.all(sql, [1])).toEqual([{ n: 1 }]);
	});
});
