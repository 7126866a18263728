import type { Db } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { NoteRole, ShareRole } from '#lib/shared/notes.ts';

const RANK: Record<NoteRole, number> = { viewer: 1, editor: 2, owner: 3 };

/** The facts that decide who may do what with a note. */
export interface NoteAccessFacts {
	id: string;
	ownerId: string;
	workspaceRole: string | null;
	deletedAt: Date | null;
	shares: { userId: string; role: string }[];
}

export const accessSelect = {
	id: true,
	ownerId: true,
	workspaceRole: true,
	deletedAt: true,
	shares: { select: { userId: true, role: true } }
} as const;

export const NOT_FOUND = 'No such note.';

function asShareRole(role: string | null): ShareRole | null {
	return role === 'editor' || role === 'viewer' ? role : null;
}

/**
 * A user's role in a note: the owner's, or the better of their own share and the workspace's
 * access; null when they have none. Notes in the trash give nobody a role (the owner can restore).
 */
export function roleOf(note: NoteAccessFacts, userId: string): NoteRole | null {
	if (note.deletedAt) return null;
	if (note.ownerId === userId) return 'owner';
	const share = asShareRole(note.shares.find((s) => s.userId === userId)?.role ?? null);
	const workspace = asShareRole(note.workspaceRole);
	if (!share) return workspace;
	if (!workspace) return share;
	return RANK[share] >= RANK[workspace] ? share : workspace;
}

export function atLeast(role: NoteRole | null, needed: NoteRole): boolean {
	return role !== null && RANK[role] >= RANK[needed];
}

/** Loads the access facts of a note, or null. */
export function loadAccessFacts(db: Db, noteId: string): Promise<NoteAccessFacts | null> {
	return db.note.findUnique({ where: { id: noteId }, select: accessSelect });
}

/**
 * Loads a note and checks the user's role. Someone without access learns nothing: `not_found`, as
 * if the note did not exist. Someone with a lesser role gets `forbidden`.
 */
export async function requireRole(
	db: Db,
	noteId: string,
	userId: string,
	needed: NoteRole
): Promise<{ facts: NoteAccessFacts; role: NoteRole }> {
	const facts = await loadAccessFacts(db, noteId);
	const role = facts ? roleOf(facts, userId) : null;
	if (!facts || !role) {
		const inTrash = facts?.deletedAt && facts.ownerId === userId;
		throw new AppError('not_found', inTrash ? 'This note is in the trash.' : NOT_FOUND);
	}
	if (!atLeast(role, needed)) {
		throw new AppError(
			'forbidden',
			needed === 'owner' ? 'Only the note’s owner can do this.' : 'You can only read this note.'
		);
	}
	return { facts, role };
}
