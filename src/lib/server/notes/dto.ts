import { userRefSelect } from '../channels/dto.ts';
import type { NoteRole, NoteShareDto, NoteSummary, ShareRole } from '#lib/shared/notes.ts';
import type { UserRef } from '#lib/shared/channels.ts';
import { roleOf } from './access.ts';

/** What to load with a note so it can become a NoteSummary for any user. */
export const noteInclude = {
	owner: { select: userRefSelect },
	shares: { select: { userId: true, role: true } }
} as const;

export interface NoteRow {
	id: string;
	ownerId: string;
	title: string;
	preview: string;
	workspaceRole: string | null;
	createdAt: Date;
	updatedAt: Date;
	deletedAt: Date | null;
	owner: UserRef;
	shares: { userId: string; role: string }[];
}

/** A note as `userId` sees it; in the trash the owner keeps the owner role. */
export function toNoteSummary(row: NoteRow, userId: string, trashDays = 30): NoteSummary {
	const role: NoteRole = row.ownerId === userId ? 'owner' : (roleOf(row, userId) ?? 'viewer');
	return {
		id: row.id,
		title: row.title,
		preview: row.preview,
		owner: row.owner,
		role,
		workspaceRole: row.workspaceRole as ShareRole | null,
		shareCount: row.shares.length,
		createdAt: row.createdAt.toISOString(),
		updatedAt: row.updatedAt.toISOString(),
		deletedAt: row.deletedAt ? row.deletedAt.toISOString() : null,
		purgeAt: row.deletedAt
			? new Date(row.deletedAt.getTime() + trashDays * 24 * 60 * 60 * 1000).toISOString()
			: null
	};
}

export function toShareDto(row: { role: string; user: UserRef }): NoteShareDto {
	return { user: row.user, role: row.role as ShareRole };
}
