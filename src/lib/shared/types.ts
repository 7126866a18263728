import type { Role, UserStatus } from './schemas/auth.ts';

/** The user fields that may reach a browser. Never add secrets here. */
export interface PublicUser {
	id: string;
	email: string;
	displayName: string;
	avatarColor: string;
	role: Role;
	status: UserStatus;
}

export interface ApiTokenSummary {
	id: string;
	name: string;
	prefix: string;
	createdAt: string;
	lastUsedAt: string | null;
}
