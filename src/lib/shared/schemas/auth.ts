import * as v from 'valibot';

export const email = v.pipe(
	v.string('Enter your email address.'),
	v.trim(),
	v.toLowerCase(),
	v.nonEmpty('Enter your email address.'),
	v.maxLength(254, 'That email address is too long.'),
	v.email('Enter a valid email address.')
);

export const password = v.pipe(
	v.string('Enter a password.'),
	v.minLength(8, 'Use at least 8 characters.'),
	v.maxLength(256, 'Use at most 256 characters.')
);

export const displayName = v.pipe(
	v.string('Enter a display name.'),
	v.trim(),
	v.nonEmpty('Enter a display name.'),
	v.maxLength(64, 'Use at most 64 characters.')
);

export const avatarColor = v.pipe(
	v.string(),
	v.regex(/^#[0-9a-f]{6}$/i, 'Pick a colour such as #6366f1.')
);

export const signUpSchema = v.object({ email, displayName, password });
export const logInSchema = v.object({
	email,
	password: v.pipe(v.string('Enter your password.'), v.nonEmpty('Enter your password.'))
});
export const profileSchema = v.object({ displayName, avatarColor });
const passwordChange = {
	currentPassword: v.pipe(v.string(), v.nonEmpty('Enter your current password.')),
	newPassword: password
};
/** JSON API: API tokens are revoked too unless `revokeApiTokens` is false. */
export const changePasswordSchema = v.object({
	...passwordChange,
	revokeApiTokens: v.optional(v.boolean('revokeApiTokens must be true or false.'), true)
});
export const createApiTokenSchema = v.object({
	name: v.pipe(
		v.string('Name the token.'),
		v.trim(),
		v.nonEmpty('Name the token.'),
		v.maxLength(64, 'Use at most 64 characters.')
	)
});

export const roles = ['admin', 'user'] as const;
export const userStatuses = ['active', 'pending', 'deactivated'] as const;
export type Role = (typeof roles)[number];
export type UserStatus = (typeof userStatuses)[number];

export const updateUserSchema = v.object({
	role: v.optional(v.picklist(roles, 'Role must be admin or user.')),
	status: v.optional(v.picklist(userStatuses, 'Status must be active, pending or deactivated.'))
});

export const workspaceSettingsSchema = v.object({ requireApproval: v.boolean() });
