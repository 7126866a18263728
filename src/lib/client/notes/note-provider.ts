import * as Y from 'yjs';
import {
	applyAwarenessUpdate,
	Awareness,
	encodeAwarenessUpdate,
	removeAwarenessStates
} from 'y-protocols/awareness';
import type { Transport } from '../channels/transport.ts';
import type { ErrorBody } from '#lib/shared/errors.ts';
import {
	decodeSyncMessage,
	encodeStep1,
	encodeUpdate,
	isEmptyUpdate,
	SYNC_STEP1,
	toBytes
} from '#lib/shared/note-sync.ts';
import type { Binary, NoteCloseReason, NoteRole, NoteSummary } from '#lib/shared/notes.ts';

/** What the provider needs from a connection: the channels' Transport plus disconnect news. */
export interface NoteTransport extends Transport {
	onDisconnected(handler: () => void): () => void;
}

export type NoteSyncStatus = 'joining' | 'saving' | 'saved' | 'offline' | 'closed' | 'error';

/** Errors after which sending is pointless until the user does something (or reloads). */
const FATAL = new Set(['payload_too_large', 'document_too_large', 'malformed_update']);
const RETRY_MS = 1000;
/** Updates sent and not yet acknowledged, at most; more wait (merged) for acknowledgements. */
const MAX_IN_FLIGHT = 16;

/**
 * Syncs one note's Yjs document and awareness over the tab's Socket.IO connection with the
 * y-protocols encoding: join with sync step 1, apply the server's step 2, answer its step 1 with
 * everything the server lacks (edits made offline included), then send each local update at once
 * (the server relays it before storing it, so others see it without waiting for the database). An
 * update counts as saved when the server acknowledges it, once stored. Any failure other than a
 * refusal is repaired by joining again: the join sends whatever the server still lacks. Plain
 * TypeScript (no runes) so tests run it in Node.
 */
export class NoteProvider {
	readonly noteId: string;
	readonly doc = new Y.Doc();
	readonly awareness: Awareness;
	readonly #transport: NoteTransport;
	readonly #awarenessEveryMs: number;
	#role: NoteRole | null = null;
	#note: NoteSummary | null = null;
	#maxUpdateBytes = Infinity;
	#joined = false;
	#synced = false;
	/** Bumped by every (re)join and disconnect, so answers to older requests are ignored. */
	#generation = 0;
	/** Local updates not sent yet, and how many sent ones await their acknowledgement. */
	#pending: Uint8Array[] = [];
	#unacked = 0;
	#flushQueued = false;
	#error: ErrorBody | null = null;
	#closed: NoteCloseReason | 'not_found' | null = null;
	#lastAwarenessSent = 0;
	#awarenessTimer: ReturnType<typeof setTimeout> | undefined;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	readonly #off: (() => void)[] = [];
	readonly #listeners = new Set<() => void>();
	#destroyed = false;

	constructor(
		noteId: string,
		transport: NoteTransport,
		options: { awarenessEveryMs?: number } = {}
	) {
		this.noteId = noteId;
		this.#transport = transport;
		this.#awarenessEveryMs = options.awarenessEveryMs ?? 100;
		this.awareness = new Awareness(this.doc);
	}

	/** Your role; null until joined. */
	get role(): NoteRole | null {
		return this.#role;
	}
	get canEdit(): boolean {
		return this.#role === 'owner' || this.#role === 'editor';
	}
	get note(): NoteSummary | null {
		return this.#note;
	}
	/** The largest change the server accepts (known after joining). */
	get maxUpdateBytes(): number {
		return this.#maxUpdateBytes;
	}
	/** Whether the document holds the server's content (true from the first join on). */
	get synced(): boolean {
		return this.#synced;
	}
	get joined(): boolean {
		return this.#joined;
	}
	get error(): ErrorBody | null {
		return this.#error;
	}
	/** Why the note was closed for you, if it was. */
	get closed(): NoteCloseReason | 'not_found' | null {
		return this.#closed;
	}
	/** Local changes the server has not acknowledged yet. */
	get unsaved(): boolean {
		return this.#pending.length > 0 || this.#unacked > 0;
	}
	get status(): NoteSyncStatus {
		if (this.#closed) return 'closed';
		if (this.#error && FATAL.has(this.#error.code)) return 'error';
		if (!this.#transport.connected) return 'offline';
		if (!this.#joined) return 'joining';
		return this.unsaved ? 'saving' : 'saved';
	}

	/** Calls `listener` after any change of the getters above; returns the unsubscribe. */
	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Subscribes to the connection and joins (now, or as soon as the connection is up). */
	start(): void {
		const t = this.#transport;
		this.#off.push(
			t.on('note:sync', ({ noteId, message }) => noteId === this.noteId && this.#receive(message)),
			t.on('note:awareness', ({ noteId, update }) => {
				if (noteId === this.noteId) applyAwarenessUpdate(this.awareness, toBytes(update), this);
			}),
			t.on('note:role', ({ noteId, role }) => noteId === this.noteId && this.#setRole(role)),
			t.on('note:meta', ({ noteId, title }) => {
				if (noteId !== this.noteId || !this.#note) return;
				this.#note = { ...this.#note, title };
				this.#changed();
			}),
			t.on('note:closed', ({ noteId, reason }) => {
				if (noteId !== this.noteId) return;
				if (reason === 'reloaded') void this.#join();
				else this.#close(reason);
			}),
			t.onConnected(() => void this.#join()),
			t.onDisconnected(() => this.#lost())
		);
		this.doc.on('update', this.#onDocUpdate);
		this.awareness.on('update', this.#onAwarenessUpdate);
		if (t.connected) void this.#join();
	}

	/** Leaves the note (others see your cursor go) and releases everything. */
	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		this.#generation += 1;
		if (this.#joined) void this.#transport.emit('note:leave', { noteId: this.noteId });
		for (const off of this.#off.splice(0)) off();
		clearTimeout(this.#awarenessTimer);
		clearTimeout(this.#retryTimer);
		this.doc.off('update', this.#onDocUpdate);
		this.awareness.off('update', this.#onAwarenessUpdate);
		this.awareness.destroy();
		this.doc.destroy();
		this.#listeners.clear();
	}

	async #join(): Promise<void> {
		if (this.#destroyed || this.#closed) return;
		const generation = ++this.#generation;
		this.#joined = false;
		clearTimeout(this.#retryTimer);
		this.#changed();
		const result = await this.#transport.emit('note:join', {
			noteId: this.noteId,
			message: encodeStep1(this.doc)
		});
		if (generation !== this.#generation || this.#destroyed) return;
		if (!result.ok) {
			const { code } = result.error;
			if (code === 'not_found') this.#close('not_found');
			else if (FATAL.has(code)) this.#fail(result.error);
			else {
				// No answer in time, or rate limited: try again (a reconnect also rejoins).
				this.#error = result.error;
				this.#changed();
				clearTimeout(this.#retryTimer);
				this.#retryTimer = setTimeout(() => {
					if (this.#transport.connected) void this.#join();
				}, RETRY_MS);
			}
			return;
		}
		const { data } = result;
		this.#note = data.note;
		this.#maxUpdateBytes = data.limits.maxUpdateBytes;
		this.#setRole(data.role, false);
		this.#receive(data.sync);
		if (data.awareness) applyAwarenessUpdate(this.awareness, toBytes(data.awareness), this);
		const server = decodeSyncMessage(data.state);
		// Everything the server lacks (edits made offline, unacknowledged sends) replaces the queue.
		this.#pending = [];
		this.#unacked = 0;
		if (this.canEdit && server.type === SYNC_STEP1) {
			const missing = Y.encodeStateAsUpdate(this.doc, server.stateVector);
			if (!isEmptyUpdate(missing)) this.#pending.push(missing);
		}
		this.#joined = this.#synced = true;
		this.#error = null;
		this.#sendAwareness();
		this.#changed();
		this.#queueFlush();
	}

	/** Sends what is pending as one update (all the changes made since the last send). */
	async #flush(): Promise<void> {
		this.#flushQueued = false;
		if (!this.#joined || !this.canEdit || this.#pending.length === 0) return;
		if (this.#unacked >= MAX_IN_FLIGHT) return;
		const update = this.#pending.length === 1 ? this.#pending[0] : Y.mergeUpdates(this.#pending);
		this.#pending = [];
		if (update.length > this.#maxUpdateBytes) {
			this.#fail({ code: 'payload_too_large', message: 'This change is too large to save.' });
			return;
		}
		const generation = this.#generation;
		this.#unacked += 1;
		this.#changed();
		const result = await this.#transport.emit('note:sync', {
			noteId: this.noteId,
			message: encodeUpdate(update)
		});
		// A rejoin or disconnect since: that join sends whatever the server lacks.
		if (generation !== this.#generation || this.#destroyed) return;
		this.#unacked -= 1;
		if (result.ok) {
			this.#changed();
			void this.#flush();
			return;
		}
		const { code } = result.error;
		if (code === 'read_only') this.#setRole('viewer');
		else if (FATAL.has(code)) this.#fail(result.error);
		else if (code === 'out_of_sync' || code === 'not_joined') void this.#join();
		else {
			// Timeouts, rate limits, a failed store: join again shortly, which resends what is missing.
			this.#generation += 1;
			this.#unacked += 1;
			this.#changed();
			clearTimeout(this.#retryTimer);
			this.#retryTimer = setTimeout(() => void this.#join(), RETRY_MS);
		}
	}

	/** Coalesces the updates of one task (a paste can make several) into one send. */
	#queueFlush(): void {
		if (this.#flushQueued) return;
		this.#flushQueued = true;
		queueMicrotask(() => void this.#flush());
	}

	#receive(message: Binary): void {
		try {
			const decoded = decodeSyncMessage(message);
			if (decoded.type !== SYNC_STEP1) Y.applyUpdate(this.doc, decoded.update, this);
		} catch (error) {
			console.error('note sync: could not apply a message from the server', error);
		}
	}

	#onDocUpdate = (update: Uint8Array, origin: unknown) => {
		// Changes from the server are not sent back; a viewer's editor makes none worth keeping.
		if (origin === this || !this.canEdit) return;
		this.#pending.push(update);
		this.#changed();
		this.#queueFlush();
	};

	#onAwarenessUpdate = (
		{ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
		origin: unknown
	) => {
		const mine = this.awareness.clientID;
		if (origin === this) this.#changed();
		else if ([...added, ...updated, ...removed].includes(mine)) this.#sendAwareness();
	};

	/** Sends your awareness state, at most every `awarenessEveryMs` (the last state wins). */
	#sendAwareness(): void {
		if (!this.#joined || this.#awarenessTimer) return;
		const wait = this.#lastAwarenessSent + this.#awarenessEveryMs - Date.now();
		this.#awarenessTimer = setTimeout(
			() => {
				this.#awarenessTimer = undefined;
				if (!this.#joined || this.#destroyed) return;
				this.#lastAwarenessSent = Date.now();
				const update = encodeAwarenessUpdate(this.awareness, [this.awareness.clientID]);
				void this.#transport.emit('note:awareness', { noteId: this.noteId, update });
			},
			Math.max(0, wait)
		);
	}

	/**
	 * The connection dropped: local edits stay (the unacknowledged one too, so `unsaved` stays
	 * true); the next join sends everything the server lacks. The others' cursors go.
	 */
	#lost(): void {
		this.#generation += 1;
		this.#joined = false;
		this.#forgetOthers('offline');
		this.#changed();
	}

	#close(reason: NoteCloseReason | 'not_found'): void {
		this.#closed = reason;
		this.#joined = false;
		this.#generation += 1;
		this.#forgetOthers('closed');
		this.#changed();
	}

	#fail(error: ErrorBody): void {
		this.#error = error;
		this.#changed();
	}

	#setRole(role: NoteRole, notify = true): void {
		this.#role = role;
		if (this.#note) this.#note = { ...this.#note, role };
		if (!this.canEdit) this.#pending = [];
		if (notify) this.#changed();
	}

	#forgetOthers(origin: string): void {
		const others = [...this.awareness.getStates().keys()].filter(
			(id) => id !== this.awareness.clientID
		);
		if (others.length) removeAwarenessStates(this.awareness, others, origin);
	}

	#changed(): void {
		for (const listener of this.#listeners) listener();
	}
}
