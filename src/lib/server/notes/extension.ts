/**
 * The note server's hook pipeline, after Hocuspocus's extensions: the DocumentManager moves every
 * document through these hooks, and each default behaviour is one small extension in `hooks/`
 * (authenticate, load, change, store, unload) with its own test. Extensions run in descending
 * `priority`; within a hook each one sees what the previous ones did.
 */
import type { NoteRole } from '#lib/shared/notes.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import type { LoadedNote, NoteConnection, StoredUpdate } from './loaded-note.ts';

export interface AuthenticatePayload {
	noteId: string;
	user: PublicUser;
	/** The role granted so far; an extension sets it (or resets it to null). Null at the end refuses. */
	role: NoteRole | null;
	/** Why a refusal happened, for the user (defaults to "No such note."; never reveal more to strangers). */
	refusal?: string;
}

export interface LoadPayload {
	/** A fresh note with an empty document: fill it, and set its seq and size bookkeeping. */
	note: LoadedNote;
}

export interface ChangePayload {
	note: LoadedNote;
	connection: NoteConnection;
	/** The Yjs update a client sent, not applied yet. */
	update: Uint8Array;
}

export interface StorePayload {
	note: LoadedNote;
	/**
	 * Updates already applied and relayed, in arrival order; durable once the hook resolves, which
	 * numbers them (the database assigns the seqs) and moves the note's `storedSeq` to the last.
	 */
	updates: StoredUpdate[];
}

export interface UnloadPayload {
	/** Nobody has been in the note for a while, or the server is shutting down; stores are done. */
	note: LoadedNote;
}

export interface NoteExtension {
	/** Higher runs first. Defaults to 100. */
	priority?: number;
	/** Decides whether `user` may open the note, and as what. Runs on join and when access changes. */
	onAuthenticate?(payload: AuthenticatePayload): Promise<void>;
	/** Fills a document the first time someone opens it in this process. */
	onLoadDocument?(payload: LoadPayload): Promise<void>;
	/**
	 * Checks an incoming update before it is applied; throw (or reject with) an AppError to refuse it
	 * (the sender gets an error ack, nobody else sees anything). Return a promise only when a check
	 * must wait (the update-check worker): the note's later updates wait for it, so updates still
	 * apply in arrival order, and synchronous checks keep the common path free of waiting.
	 */
	onChange?(payload: ChangePayload): void | Promise<void>;
	/** Persists a batch of accepted updates; the senders are acknowledged when it resolves. */
	onStoreDocument?(payload: StorePayload): Promise<void>;
	/** Runs before a document leaves memory. */
	onUnloadDocument?(payload: UnloadPayload): Promise<void>;
	/** The server is closing, after every document was unloaded: release what the extension holds. */
	onDestroy?(): void;
}

export type HookName = Exclude<keyof NoteExtension, 'priority'>;

/** The extensions in the order their hooks run: highest `priority` first. */
export function byPriority(extensions: readonly NoteExtension[]): NoteExtension[] {
	return [...extensions].sort((a, b) => (b.priority ?? 100) - (a.priority ?? 100));
}

/** Those of `extensions` (in order) that implement `hook`. */
export function* withHook<H extends HookName>(
	extensions: readonly NoteExtension[],
	hook: H
): Generator<NoteExtension> {
	for (const extension of extensions) if (extension[hook]) yield extension;
}
