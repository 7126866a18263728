import type { PublicUser } from '#lib/shared/types.ts';
import type { Role, UserStatus } from '#lib/shared/schemas/auth.ts';

export interface UserRow {
	id: string;
	email: string;
	displayName: string;
	avatarColor: string;
	role: string;
	status: string;
}

/** Whitelists the fields of a user row that may leave the server. */
export function toPublicUser(row: UserRow): PublicUser {
	return {
		id: row.id,
		email: row.email,
		displayName: row.displayName,
		avatarColor: row.avatarColor,
		role: row.role as Role,
		status: row.status as UserStatus
	};
}

export const publicUserSelect = {
	id: true,
	email: true,
	displayName: true,
	avatarColor: true,
	role: true,
	status: true
} as const;
