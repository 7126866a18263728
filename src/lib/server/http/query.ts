import * as v from 'valibot';
import { parseInput } from '../errors.ts';

/** An optional non-negative integer query parameter. */
export const intParam = v.optional(
	v.pipe(v.string(), v.regex(/^\d{1,15}$/, 'Expected a whole number.'), v.transform(Number))
);

/** Validates URL search parameters against a schema of string fields. */
export function readQuery<S extends v.GenericSchema>(url: URL, schema: S): v.InferOutput<S> {
	return parseInput(schema, Object.fromEntries(url.searchParams));
}
