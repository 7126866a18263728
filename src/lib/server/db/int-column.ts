/** The largest value an `Int` column holds on PostgreSQL (`integer`); SQLite's would take more. */
export const INT_COLUMN_MAX = 2_147_483_647;

/**
 * A count that came from outside (a provider's or Open WebUI's token usage) as a non-negative
 * integer every `Int` column takes on both databases, capped at INT_COLUMN_MAX: a bogus figure must
 * not make PostgreSQL refuse the whole write (it would store on SQLite). Undefined when the value
 * is no finite non-negative number.
 */
export function externalCount(value: unknown): number | undefined {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
	return Math.min(Math.round(value), INT_COLUMN_MAX);
}
