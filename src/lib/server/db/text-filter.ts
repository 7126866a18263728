import { type Db, dialectOf, type Prisma } from './client.ts';

/**
 * A case-insensitive "contains" filter on both databases. SQLite's LIKE (what Prisma's `contains`
 * compiles to there) ignores ASCII case by itself, and its connector rejects `mode`; PostgreSQL's
 * LIKE is case-sensitive, so it needs `mode: 'insensitive'` (ILIKE). The cast is needed because the
 * SQLite client's types, which stand for both, have no `mode`.
 */
export function containsText(db: Db, text: string): Prisma.StringFilter {
	return dialectOf(db) === 'postgres'
		? ({ contains: text, mode: 'insensitive' } as Prisma.StringFilter)
		: { contains: text };
}
