/** Notes: types shared by the browser, the server and bots. Documented in docs/protocol.md. */
import type { UserRef } from './channels.ts';

/** What someone may do with a note: the owner manages it, editors change it, viewers read it. */
export type NoteRole = 'owner' | 'editor' | 'viewer';
/** A role that can be granted to others, one by one or to the whole workspace. */
export type ShareRole = 'editor' | 'viewer';

export const NOTE_TITLE_MAX = 200;
export const UNTITLED = 'Untitled';

/** A note as lists show it, from the point of view of the user who asked. */
export interface NoteSummary {
	id: string;
	title: string;
	/** Plain text from the start of the note (up to 200 characters). */
	preview: string;
	owner: UserRef;
	/** Your role. */
	role: NoteRole;
	/** What everyone in the workspace may do, or null when only the owner and shares have access. */
	workspaceRole: ShareRole | null;
	/** How many people it is shared with one by one. */
	shareCount: number;
	createdAt: string;
	updatedAt: string;
	/** Set while the note is in the trash (only its owner sees it then). */
	deletedAt: string | null;
	/** When a note in the trash is deleted for good. */
	purgeAt: string | null;
}

export interface NoteShareDto {
	user: UserRef;
	role: ShareRole;
}

/** Who has access to a note besides its owner. */
export interface NoteSharing {
	noteId: string;
	owner: UserRef;
	workspaceRole: ShareRole | null;
	shares: NoteShareDto[];
}

/** Binary data as it arrives: Node clients get Buffers (Uint8Array), browsers ArrayBuffers. */
export type Binary = Uint8Array | ArrayBuffer;

/** The answer to `note:join`: the note, your role and the first round of the sync protocol. */
export interface NoteJoined {
	note: NoteSummary;
	role: NoteRole;
	/** y-protocols sync step 2: everything the server has that your step 1 said you lack. */
	sync: Binary;
	/** y-protocols sync step 1: the server's state vector; answer it with your step 2 (editors). */
	state: Binary;
	/** The awareness states of everyone in the note (y-protocols awareness update), if any. */
	awareness: Binary | null;
	limits: { maxUpdateBytes: number; maxAwarenessBytes: number };
}

/** Why the server closed a note for you. `reloaded`: join it again. */
export type NoteCloseReason = 'access_removed' | 'deleted' | 'reloaded';

/** Export formats of `GET /api/v1/notes/:id/export?format=`. */
export type NoteExportFormat = 'md' | 'html';
