import * as v from 'valibot';

/** Admin input for Open WebUI instances: the JSON API's schemas and the HTML form's. */

const name = v.pipe(
	v.string('Name the instance.'),
	v.trim(),
	v.nonEmpty('Name the instance.'),
	v.maxLength(60, 'Use at most 60 characters.')
);

/** The server's root URL; the API paths (/api/v1/…) are added to it. */
const baseUrl = v.pipe(
	v.string('Enter the base URL.'),
	v.trim(),
	v.url('Enter a URL such as https://chat.example.com.'),
	v.regex(/^https?:\/\//i, 'Use an http or https URL.'),
	v.check(
		(url) => !/\/api(\/v1)?\/*$/i.test(url),
		'Enter the server’s root URL, without /api (e.g. https://chat.example.com).'
	),
	v.maxLength(500),
	v.transform((url) => url.replace(/\/+$/, ''))
);

const apiKey = v.pipe(
	v.string('Enter an API key.'),
	v.trim(),
	v.nonEmpty('Enter an admin’s API key (Open WebUI → Settings → Account → API keys).'),
	v.maxLength(500)
);

const intervalMinutes = v.pipe(
	v.number('Enter a number of minutes.'),
	v.integer('Enter whole minutes.'),
	v.minValue(5, 'Sync at most every 5 minutes.'),
	v.maxValue(10_080, 'Sync at least once a week (10,080 minutes).')
);
const concurrency = v.pipe(
	v.number('Enter a number.'),
	v.integer('Enter a whole number.'),
	v.minValue(1, 'At least 1.'),
	v.maxValue(16, 'At most 16 requests at once.')
);
const requestsPerSecond = v.pipe(
	v.number('Enter a number.'),
	v.integer('Enter a whole number.'),
	v.minValue(1, 'At least 1.'),
	v.maxValue(1000, 'At most 1,000 requests a second.')
);

export const createInstanceSchema = v.object({
	name,
	baseUrl,
	apiKey,
	scheduled: v.optional(v.boolean(), true),
	intervalMinutes: v.optional(intervalMinutes, 60),
	concurrency: v.optional(concurrency, 4),
	requestsPerSecond: v.optional(requestsPerSecond, 200)
});

export const updateInstanceSchema = v.object({
	name: v.optional(name),
	baseUrl: v.optional(baseUrl),
	/** Leave out (or send empty from the form) to keep the stored key. */
	apiKey: v.optional(apiKey),
	scheduled: v.optional(v.boolean()),
	intervalMinutes: v.optional(intervalMinutes),
	concurrency: v.optional(concurrency),
	requestsPerSecond: v.optional(requestsPerSecond)
});

export const startSyncSchema = v.object({ full: v.optional(v.boolean(), false) });

export type CreateInstanceInput = v.InferOutput<typeof createInstanceSchema>;
export type UpdateInstanceInput = v.InferOutput<typeof updateInstanceSchema>;

/** A form number field: the text a browser posts, as a number (empty → undefined). */
function formNumber<S extends v.GenericSchema<number, number>>(schema: S) {
	return v.pipe(
		v.optional(v.string(), ''),
		v.transform((text) => (text.trim() === '' ? undefined : Number(text))),
		v.optional(schema)
	);
}

/** A checkbox: present ("on") or absent. */
const checkbox = v.pipe(
	v.optional(v.string(), ''),
	v.transform((value) => value === 'on' || value === 'true')
);

const formFields = {
	name,
	baseUrl,
	scheduled: checkbox,
	intervalMinutes: formNumber(intervalMinutes),
	concurrency: formNumber(concurrency),
	requestsPerSecond: formNumber(requestsPerSecond)
};

export const createInstanceForm = v.object({ ...formFields, apiKey });

export const updateInstanceForm = v.object({
	id: v.pipe(v.string('Missing id.'), v.nonEmpty('Missing id.'), v.maxLength(64)),
	...formFields,
	/** Empty keeps the stored key. */
	apiKey: v.pipe(
		v.optional(v.string(), ''),
		v.trim(),
		v.maxLength(500),
		v.transform((key) => key || undefined)
	)
});

export const syncForm = v.object({
	id: v.pipe(v.string('Missing id.'), v.nonEmpty('Missing id.'), v.maxLength(64)),
	full: checkbox
});
