import * as v from 'valibot';
import { changePasswordSchema, roles } from './auth.ts';
import { createProviderSchema } from './providers.ts';

/** Schemas for the HTML forms whose fields differ from the JSON API's (checkboxes, hidden ids). */

const id = v.pipe(v.string('Missing id.'), v.nonEmpty('Missing id.'), v.maxLength(64));

export const byIdForm = v.object({ id });

/** Settings → Password: the "also revoke API tokens" checkbox is sent only when ticked. */
export const changePasswordForm = v.object({
	...v.omit(changePasswordSchema, ['revokeApiTokens']).entries,
	revokeApiTokens: v.optional(
		v.pipe(
			v.string(),
			v.transform((value) => value !== '')
		),
		''
	)
});

export const roleForm = v.object({ id, role: v.picklist(roles, 'Role must be admin or user.') });

export const statusForm = v.object({
	id,
	status: v.picklist(['active', 'deactivated'], 'Status must be active or deactivated.')
});

export const approvalSettingForm = v.object({
	requireApproval: v.pipe(
		v.picklist(['true', 'false'], 'Choose on or off.'),
		v.transform((value) => value === 'true')
	)
});

// Admin → Providers

const boolField = v.pipe(
	v.picklist(['true', 'false'], 'Choose on or off.'),
	v.transform((value) => value === 'true')
);
const priceField = v.pipe(
	v.string('Enter a price.'),
	v.trim(),
	v.nonEmpty('Enter a price (0 if free).'),
	v.transform(Number),
	v.number('Enter a number, such as 2.5.'),
	v.minValue(0, 'Prices cannot be negative.'),
	v.maxValue(10_000, 'Enter at most 10,000.')
);

export const providerEditForm = v.object({
	id,
	name: createProviderSchema.entries.name,
	baseUrl: createProviderSchema.entries.baseUrl,
	/** Left empty, the stored key stays. */
	apiKey: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(500)), ''),
	/** A checkbox: remove the stored key. */
	clearKey: v.optional(v.string())
});

export const enabledForm = v.object({ id, enabled: boolField });

export const modelForm = v.object({
	id,
	displayName: v.pipe(
		v.string('Give the model a name.'),
		v.trim(),
		v.nonEmpty('Give the model a name.'),
		v.maxLength(80, 'Keep the name under 80 characters.')
	),
	inputPricePerMTok: priceField,
	outputPricePerMTok: priceField
});
