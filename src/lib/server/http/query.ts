import * as v from 'valibot';
import { parseInput } from '../errors.ts';

/**
 * An optional non-negative integer query parameter: a seq, version or limit, which are 32-bit
 * integer columns on both databases (a larger one would fail in PostgreSQL's query, not here).
 */
export const intParam = v.optional(
	v.pipe(
		v.string(),
		v.regex(/^\d{1,10}$/, 'Expected a whole number.'),
		v.transform(Number),
		v.maxValue(2_147_483_647, 'Expected at most 2147483647.')
	)
);

/** Validates URL search parameters against a schema of string fields. */
export function readQuery<S extends v.GenericSchema>(url: URL, schema: S): v.InferOutput<S> {
	return parseInput(schema, Object.fromEntries(url.searchParams));
}
