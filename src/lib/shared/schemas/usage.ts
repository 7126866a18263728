import * as v from 'valibot';
import { RANGE_PRESETS } from '../usage.ts';

const DATE_MESSAGE = 'Use a date like 2026-03-31.';
const date = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, DATE_MESSAGE));

function wholeNumber(min: number, max: number, message: string) {
	return v.pipe(
		v.string(),
		v.regex(/^\d{1,7}$/, message),
		v.transform(Number),
		v.minValue(min, message),
		v.maxValue(max, message)
	);
}

/** A filter value: any text a model, user or instance id can be, within reason. */
const filter = (what: string) =>
	v.pipe(v.string(), v.minLength(1), v.maxLength(200, `The ${what} filter is too long.`));

/**
 * The query string of every usage report (also the CLI's flags). All values arrive as text; empty
 * ones are dropped before parsing. Whether dates, the time zone and the filters make sense is checked
 * by the report module, which knows the calendar and the data.
 */
export const usageQuerySchema = v.object({
	range: v.optional(
		v.picklist(RANGE_PRESETS, 'Range must be one of today, 7d, 30d, 90d or custom.')
	),
	from: v.optional(date),
	to: v.optional(date),
	tz: v.optional(
		v.pipe(
			v.string(),
			v.maxLength(64, 'That is not a time zone.'),
			v.regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'Use an IANA time zone such as Europe/Paris.')
		),
		'UTC'
	),
	instance: v.optional(filter('instance')),
	model: v.optional(filter('model')),
	user: v.optional(filter('user')),
	sort: v.optional(v.pipe(v.string(), v.regex(/^[a-zA-Z]{1,40}$/, 'Unknown sort column.'))),
	dir: v.optional(v.picklist(['asc', 'desc'], 'Sort direction must be asc or desc.')),
	page: v.optional(wholeNumber(1, 100_000, 'Page must be a whole number from 1 to 100000.')),
	pageSize: v.optional(wholeNumber(1, 1000, 'Page size must be a whole number from 1 to 1000.')),
	/** For the model comparison: the models to put side by side, comma-separated. */
	models: v.optional(v.pipe(v.string(), v.maxLength(2000, 'Too many models to compare.')))
});

export type UsageQueryInput = v.InferInput<typeof usageQuerySchema>;
export type UsageQuery = v.InferOutput<typeof usageQuerySchema>;

/** Reads a usage query from URL search parameters or CLI flags, dropping empty values. */
export function usageQueryInput(params: Iterable<[string, string]>): Record<string, string> {
	const input: Record<string, string> = {};
	const keys = new Set(Object.keys(usageQuerySchema.entries));
	for (const [key, value] of params) {
		if (keys.has(key) && value.trim() !== '') input[key] = value.trim();
	}
	return input;
}
