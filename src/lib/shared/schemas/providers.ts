import * as v from 'valibot';

const name = v.pipe(
	v.string('Name the provider.'),
	v.trim(),
	v.nonEmpty('Name the provider.'),
	v.maxLength(60)
);
const baseUrl = v.pipe(
	v.string('Enter the base URL.'),
	v.trim(),
	v.url('Enter a URL such as https://api.openai.com/v1.'),
	v.regex(/^https?:\/\//i, 'Use an http or https URL.'),
	v.maxLength(500)
);
const apiKey = v.pipe(v.string(), v.trim(), v.maxLength(500));
const price = v.pipe(
	v.number('Enter a price.'),
	v.minValue(0, 'Prices cannot be negative.'),
	v.maxValue(10_000)
);

export const createProviderSchema = v.object({ name, baseUrl, apiKey: v.optional(apiKey, '') });
export const updateProviderSchema = v.object({
	name: v.optional(name),
	baseUrl: v.optional(baseUrl),
	/** Leave out to keep the stored key; an empty string removes it. */
	apiKey: v.optional(apiKey),
	enabled: v.optional(v.boolean())
});
export const updateModelSchema = v.object({
	displayName: v.optional(
		v.pipe(v.string(), v.trim(), v.nonEmpty('Give the model a name.'), v.maxLength(80))
	),
	enabled: v.optional(v.boolean()),
	isDefault: v.optional(v.boolean()),
	inputPricePerMTok: v.optional(price),
	outputPricePerMTok: v.optional(price)
});
