import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import type { NoteRole } from '#lib/shared/notes.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import type { AppSocket } from '../realtime/define.ts';
import { StoreQueue } from './store-queue.ts';

/**
 * How long the first of a burst of updates waits for others to share its transaction. Editors are
 * not slowed down (updates are relayed at once); only acknowledgements wait.
 */
const GROUP_COMMIT_MS = 3;

/** One socket in one note. */
export interface NoteConnection {
	readonly socket: AppSocket;
	readonly user: PublicUser;
	role: NoteRole;
	/** The awareness client ids this connection speaks for. */
	readonly clientIds: Set<number>;
}

/**
 * An update accepted into a note, on its way to the database. It has no seq yet: the database
 * numbers it in the transaction that appends it (notes/note-sql.ts `takeNoteSeqs`).
 */
export interface StoredUpdate {
	/** The Yjs update as the document encoded the change (duplicates already removed). */
	data: Uint8Array;
	/** Who sent it; null for the server's own changes. */
	userId: string | null;
	at: Date;
}

/**
 * A note's document while it is in memory: the Yjs document, the awareness of the people in it,
 * their connections, and where its storage stands. The DocumentManager keeps one per open note.
 */
export class LoadedNote {
	readonly id: string;
	readonly doc = new Y.Doc();
	readonly awareness: Awareness;
	readonly connections = new Map<string, NoteConnection>();
	/** Which connection (socket id) owns each awareness client id. */
	readonly clientOwners = new Map<number, string>();
	readonly queue: StoreQueue<StoredUpdate>;
	/**
	 * Counts the changes applied to the document in this process: checks keep copies of the
	 * document tied to it (hooks/change.ts). Not a seq; those come from the database.
	 */
	revision = 0;
	/**
	 * Seq of the newest stored update: read from the log on load, then the seq the database gave
	 * the last batch appended here. The document holds every update up to it.
	 */
	storedSeq = 0;
	/** Seq folded into the stored snapshot. */
	snapshotSeq = 0;
	/** Size of the stored snapshot in bytes. */
	snapshotBytes = 0;
	/** Updates stored after the snapshot, and their bytes. */
	tailCount = 0;
	tailBytes = 0;
	/** A hash of the preview text in the database (null until read); the text itself is not kept. */
	previewHash: number | null = null;
	/** A store failed: the next compaction must write the in-memory state even if the log is short. */
	dirty = false;
	destroyed = false;
	unloadTimer: ReturnType<typeof setTimeout> | undefined;
	maintenanceTimer: ReturnType<typeof setTimeout> | undefined;
	/** The compaction in progress, if any. */
	compaction: Promise<void> | null = null;
	/**
	 * While an update waits for a slow check (the worker), the end of the line of updates behind
	 * it: the next update applies after it, so updates still apply in arrival order.
	 */
	changes: Promise<void> | null = null;

	constructor(id: string, store: (note: LoadedNote, batch: StoredUpdate[]) => Promise<void>) {
		this.id = id;
		this.awareness = new Awareness(this.doc);
		// The server has no cursor of its own.
		this.awareness.setLocalState(null);
		this.queue = new StoreQueue((batch) => store(this, batch), { delayMs: GROUP_COMMIT_MS });
	}

	/** Roughly how big the document is: its snapshot plus the updates stored since. */
	get size(): number {
		return this.snapshotBytes + this.tailBytes;
	}

	destroy(): void {
		this.destroyed = true;
		clearTimeout(this.unloadTimer);
		clearTimeout(this.maintenanceTimer);
		this.awareness.destroy();
		this.doc.destroy();
	}
}
