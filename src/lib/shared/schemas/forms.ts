import * as v from 'valibot';
import { roles } from './auth.ts';

/** Schemas for the HTML forms whose fields differ from the JSON API's (checkboxes, hidden ids). */

const id = v.pipe(v.string('Missing id.'), v.nonEmpty('Missing id.'), v.maxLength(64));

export const byIdForm = v.object({ id });

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
