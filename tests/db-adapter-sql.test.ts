import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '#lib/server/db/client.ts';
import { isUniqueViolation } from '#lib/server/db/conflict.ts';
import { applyMigrations } from '#lib/server/db/migrate.ts';
import { q } from '#lib/server/db/sql.ts';
import { parseDatabaseUrl } from '#lib/server/db/target.ts';
import { createPostgresDatabase, openTestDb, TEST_DB } from './helpers/database.ts';
import { writeCounter } from './helpers/fuzz.ts';

// The seam's statements on Prisma's own adapter: same values as Prisma reads and writes, same
// transactions, on the suite's database.
let dir: string;
let url: string;
let database: Database;

beforeAll(async () => {
	dir = mkdtempSync(path.join(tmpdir(), 'parley-sql-'));
	url =
		TEST_DB === 'postgres'
			? await createPostgresDatabase('adapter_sql')
			: `file:${path.join(dir, 'parley.db')}`;
	const target = parseDatabaseUrl(url);
	await applyMigrations(target);
	database = await openDatabase(target);
});
afterAll(async () => {
	await database?.db.$disconnect();
	rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
async function insertUser(
	sql: Pick<Database['sql'], 'run'>,
	at = new Date('2026-03-04T05:06:07.089Z')
) {
	const id = `user-${++counter}`;
	await sql.run(q`INSERT INTO "User" (id, email, "displayName", "passwordHash", "createdAt", "updatedAt")
VALUES (${id}, ${`${id}@sql.test`}, ${'Ana'}, ${'x'}, ${at}, ${at})`);
	return id;
}

describe(`the adapter seam on ${TEST_DB}`, () => {
	it('writes dates, numbers and booleans that Prisma reads back unchanged, and reads them as Prisma does', async () => {
		const at = new Date('2026-03-04T05:06:07.089Z');
		const id = await insertUser(database.sql, at);
		const viaPrisma = await database.db.user.findUniqueOrThrow({ where: { id } });
		expect(viaPrisma.createdAt.toISOString()).toBe(at.toISOString());

		const chat = await database.db.chat.create({ data: { userId: id, pinned: true } });
		await database.sql.run(q`UPDATE "Chat" SET pinned = ${false} WHERE id = ${chat.id}`);
		expect((await database.db.chat.findUniqueOrThrow({ where: { id: chat.id } })).pinned).toBe(
			false
		);

		const row = await database.sql.get<{ createdAt: Date; count: number; pinned: boolean }>(
			q`SELECT u."createdAt", c.pinned, (SELECT COUNT(*) FROM "User") AS count
FROM "User" u JOIN "Chat" c ON c."userId" = u.id WHERE u.id = ${id}`
		);
		expect(row?.createdAt).toBeInstanceOf(Date);
		expect(row?.createdAt.toISOString()).toBe(at.toISOString());
		expect(row?.count).toBe(await database.db.user.count());
		expect(row?.pinned).toBe(false);
		expect(await database.sql.get(q`SELECT id FROM "User" WHERE id = ${'nobody'}`)).toBeUndefined();
	});

	it('commits a transaction together and rolls a failed one back entirely', async () => {
		const kept = await database.sql.transaction(async (tx) => {
			const id = await insertUser(tx);
			expect(await tx.run(q`UPDATE "User" SET "displayName" = ${'Bo'} WHERE id = ${id}`)).toBe(1);
			return id;
		});
		expect((await database.db.user.findUniqueOrThrow({ where: { id: kept } })).displayName).toBe(
			'Bo'
		);

		let lost = '';
		await expect(
			database.sql.transaction(async (tx) => {
				lost = await insertUser(tx);
				throw new Error('changed my mind');
			})
		).rejects.toThrow('changed my mind');
		expect(await database.db.user.findUnique({ where: { id: lost } })).toBeNull();
	});

	it('reports a duplicate key as a unique violation and leaves the transaction undone', async () => {
		const id = await insertUser(database.sql);
		const error = await database.sql
			.transaction(async (tx) => {
				await tx.run(q`UPDATE "User" SET "displayName" = ${'Cy'} WHERE id = ${id}`);
				await tx.run(q`INSERT INTO "User" (id, email, "displayName", "passwordHash", "updatedAt")
VALUES (${id}, ${'dup@sql.test'}, ${'Dup'}, ${'x'}, ${new Date()})`);
			})
			.catch((e: unknown) => e);
		expect(isUniqueViolation(error)).toBe(true);
		expect((await database.db.user.findUniqueOrThrow({ where: { id } })).displayName).toBe('Ana');
	});

	it('commits transactions requested together, each undone alone when it fails', async () => {
		// On SQLite these share one transaction and its COMMIT (group commit), each in a savepoint.
		const results = await Promise.allSettled(
			Array.from({ length: 12 }, (_, i) =>
				database.sql.transaction(async (tx) => {
					const id = await insertUser(tx);
					await tx.run(q`UPDATE "User" SET "displayName" = ${`T${i}`} WHERE id = ${id}`);
					if (i % 4 === 3) throw new Error(`transaction ${i} refused`);
					if (i === 5) {
						await tx.run(q`INSERT INTO "User" (id, email, "displayName", "passwordHash", "updatedAt")
VALUES (${id}, ${'again@sql.test'}, ${'Dup'}, ${'x'}, ${new Date()})`);
					}
					return id;
				})
			)
		);
		const kept = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
		const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
		expect(refused).toEqual([3, 5, 7, 11]);
		expect(isUniqueViolation((results[5] as PromiseRejectedResult).reason)).toBe(true);
		const rows = await database.db.user.findMany({ where: { displayName: { startsWith: 'T' } } });
		expect(rows.map((r) => r.id).sort()).toEqual([...kept].sort());
		expect(rows.map((r) => r.displayName).sort()).toEqual(
			['T0', 'T1', 'T2', 'T4', 'T6', 'T8', 'T9', 'T10'].sort()
		);
	});

	it('writes nothing at all when every transaction requested together fails', async () => {
		const raw = await openTestDb(url);
		try {
			const writes = await writeCounter(raw);
			const before = await writes();
			const results = await Promise.allSettled(
				Array.from({ length: 5 }, () =>
					database.sql.transaction(async (tx) => {
						await insertUser(tx);
						throw new Error('refused');
					})
				)
			);
			expect(results.every((r) => r.status === 'rejected')).toBe(true);
			expect(await writes()).toBe(before);
		} finally {
			await raw.close();
		}
	});

	it('interleaves its transactions with Prisma transactions without losing either', async () => {
		const ids = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				i % 2
					? database.sql.transaction(async (tx) => {
							const id = await insertUser(tx);
							await new Promise((resolve) => setTimeout(resolve, 1));
							return id;
						})
					: database.db.$transaction(async (tx) => {
							const user = await tx.user.create({
								data: { email: `prisma-${i}@sql.test`, displayName: 'P', passwordHash: 'x' }
							});
							await new Promise((resolve) => setTimeout(resolve, 1));
							return user.id;
						})
			)
		);
		expect(await database.db.user.count({ where: { id: { in: ids } } })).toBe(20);
	});

	it('keeps a write made beside a transaction that rolls back, and hides that transaction from it', async () => {
		// On SQLite, Prisma's adapter runs both on one connection: unserialized, the outside write
		// would land inside the open transaction and vanish with its rollback.
		const email = `inside-${++counter}@sql.test`;
		const failing = database.db
			.$transaction(async (tx) => {
				await tx.user.create({ data: { email, displayName: 'In', passwordHash: 'x' } });
				await new Promise((resolve) => setTimeout(resolve, 50));
				throw new Error('rolled back');
			})
			.catch(() => 'rolled back');
		await new Promise((resolve) => setTimeout(resolve, 10));
		const viaPrisma = await database.db.user.create({
			data: { email: `outside-${counter}@sql.test`, displayName: 'Out', passwordHash: 'x' }
		});
		const viaSeam = await insertUser(database.sql);
		const seen = await database.sql.get(q`SELECT id FROM "User" WHERE email = ${email}`);
		expect(await failing).toBe('rolled back');
		expect(seen).toBeUndefined();
		expect(await database.db.user.count({ where: { id: { in: [viaPrisma.id, viaSeam] } } })).toBe(
			2
		);
		expect(await database.db.user.count({ where: { email } })).toBe(0);
	});
});
