import pg from 'pg';

const NUMBER_TYPES = new Set<number>([pg.types.builtins.INT8, pg.types.builtins.NUMERIC]);

/**
 * node-postgres type parsers for the seam's own connections: BIGINT (COUNT, SUM of integers) and
 * NUMERIC (SUM of BIGINT) as plain numbers, as better-sqlite3 returns them. Sums stay far below
 * 2^53 (nanodollars: 9 million dollars).
 */
export const numberTypes = {
	getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
		NUMBER_TYPES.has(oid)
			? (value: string) => Number(value)
			: pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
};
