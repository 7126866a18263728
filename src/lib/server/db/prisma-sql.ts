import type { Sql } from './adapter-sql.ts';
import { Prisma } from './client.ts';
import { flatten, type Q } from './sql.ts';
import type { Dialect } from './target.ts';

/**
 * A `q` statement for Prisma's `$queryRaw` / `$executeRaw`, inside a transaction say. Kept apart
 * from sql.ts so the SQLite read worker does not load the Prisma clients.
 */
export function prismaSql(query: Q, to: Dialect): Prisma.Sql {
	const { texts, values } = flatten(query, to);
	return new Prisma.Sql(texts, values);
}

/**
 * The seam's statements inside a Prisma interactive transaction, for code that shares one with
 * Prisma calls. Integers come back as numbers, as the seam returns them.
 */
export function prismaTxSql(
	tx: Pick<Prisma.TransactionClient, '$executeRaw' | '$queryRaw'>,
	dialect: Dialect
): Sql {
	const all = async <T>(query: Q): Promise<T[]> => {
		const rows = await tx.$queryRaw<Record<string, unknown>[]>(prismaSql(query, dialect));
		return rows.map(
			(row) =>
				Object.fromEntries(
					Object.entries(row).map(([key, value]) => [
						key,
						typeof value === 'bigint' ? Number(value) : value
					])
				) as T
		);
	};
	return {
		dialect,
		all,
		get: async <T>(query: Q) => (await all<T>(query))[0],
		run: (query: Q) => tx.$executeRaw(prismaSql(query, dialect))
	};
}
