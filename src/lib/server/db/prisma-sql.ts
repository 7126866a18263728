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
