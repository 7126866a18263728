import { encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AppSocket } from '../realtime/define.ts';
import { encodeStep1, encodeStep2, SYNC_STEP1 } from '#lib/shared/note-sync.ts';
import { rooms } from '#lib/shared/events.ts';
import type { NoteCloseReason, NoteRole } from '#lib/shared/notes.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { receiveAwareness } from './awareness-apply.ts';
import { byPriority, withHook, type AuthenticatePayload, type NoteExtension } from './extension.ts';
import { IncomingUpdates } from './incoming-updates.ts';
import type { LoadedNote, NoteConnection } from './loaded-note.ts';
import { MalformedBudget } from './malformed-budget.ts';
import { OpenNotes } from './open-notes.ts';
import { checkStateVector, readStep1, readSyncMessage } from './sync-input.ts';

export interface ManagerOptions {
	log: Logger;
	/** Unload a note this long after the last person left. */
	unloadAfterMs: number;
	maxAwarenessBytes: number;
	/** Malformed updates one connection may send within 10 minutes before it is closed. */
	maxMalformedUpdates: number;
}

/** What a joiner needs to start syncing (the ack of `note:join`, without the note's summary). */
export interface JoinResult {
	role: NoteRole;
	sync: Uint8Array;
	state: Uint8Array;
	awareness: Uint8Array | null;
}

/**
 * The collaboration server, shaped like Hocuspocus: it loads each note's Yjs document once per
 * process (`OpenNotes`), lets authorised sockets join its room, applies and relays their
 * y-protocols messages (`IncomingUpdates`, `receiveAwareness`), and hands accepted updates to
 * storage, acknowledging each sender only after its update is stored. Policy lives in the
 * extensions (`hooks/`); this class only sequences them and keeps track of who is in which note.
 */
export class DocumentManager {
	readonly #extensions: NoteExtension[];
	readonly #options: ManagerOptions;
	readonly #notes: OpenNotes;
	readonly #updates: IncomingUpdates;
	readonly #bySocket = new Map<string, Set<string>>();
	/** Bumped whenever any note's access changes, so a join in flight re-checks its role. */
	#accessEpoch = 0;
	readonly #malformed: MalformedBudget;

	constructor(extensions: NoteExtension[], options: ManagerOptions) {
		this.#extensions = byPriority(extensions);
		this.#options = options;
		this.#notes = new OpenNotes(this.#extensions, options);
		this.#updates = new IncomingUpdates({
			checks: [...withHook(this.#extensions, 'onChange')],
			log: options.log,
			evict: (note) => this.#evict(note)
		});
		this.#malformed = new MalformedBudget(options.maxMalformedUpdates);
	}

	/** Ids of the notes in memory. */
	get loadedIds(): string[] {
		return this.#notes.ids;
	}

	/** How many notes are in memory (the admins' live panel). */
	get openCount(): number {
		return this.#notes.count;
	}

	/** A loaded note, if it is in memory (for tests and diagnostics). */
	peek(noteId: string): LoadedNote | undefined {
		return this.#notes.peek(noteId);
	}

	/**
	 * Opens a note for a socket: checks access, loads the document if needed, joins the note's
	 * room and answers the client's sync step 1 with step 2, the server's step 1 and awareness.
	 */
	async join(
		socket: AppSocket,
		user: PublicUser,
		noteId: string,
		step1: Uint8Array
	): Promise<JoinResult> {
		const stateVector = readStep1(step1);
		let epoch = this.#accessEpoch;
		const role = await this.#authenticate(noteId, user);
		const note = await this.#notes.open(noteId);
		// Nothing awaits from here until the connection is registered, so an unload cannot slip in.
		let connection = note.connections.get(socket.id);
		if (connection) connection.role = role;
		else {
			connection = { socket, user, role, clientIds: new Set() };
			note.connections.set(socket.id, connection);
			this.#socketNotes(socket.id).add(noteId);
		}
		clearTimeout(note.unloadTimer);
		void socket.join(rooms.note(noteId));
		let sync: Uint8Array;
		try {
			sync = encodeStep2(note.doc, stateVector);
		} catch {
			this.leave(socket, noteId);
			throw new AppError('malformed_update', 'The sync step 1 could not be decoded.');
		}
		const states = [...note.awareness.states.keys()];
		const result: JoinResult = {
			role,
			sync,
			state: encodeStep1(note.doc),
			awareness: states.length ? encodeAwarenessUpdate(note.awareness, states) : null
		};
		// Access changed while this join was checking it: check again now that it is registered.
		while (epoch !== this.#accessEpoch) {
			epoch = this.#accessEpoch;
			const now = await this.#authenticate(noteId, user).catch(() => null);
			if (!now) {
				this.leave(socket, noteId);
				throw new AppError('not_found', 'No such note.');
			}
			result.role = connection.role = now;
		}
		return result;
	}

	/** Takes a socket out of a note: its cursors disappear for the others. */
	leave(socket: AppSocket, noteId: string): void {
		const note = this.peek(noteId);
		const connection = note?.connections.get(socket.id);
		if (!note || !connection) return;
		this.#drop(note, connection);
		void socket.leave(rooms.note(noteId));
	}

	/** Forgets a disconnected socket everywhere. */
	disconnect(socketId: string): void {
		for (const noteId of this.#bySocket.get(socketId) ?? []) {
			const note = this.peek(noteId);
			const connection = note?.connections.get(socketId);
			if (note && connection) this.#drop(note, connection);
		}
		this.#bySocket.delete(socketId);
	}

	/**
	 * Handles one sync message from a joined socket. Step 1 is answered with step 2. An update (or
	 * step 2) goes through the onChange hooks, is applied and relayed to the room at once, and is
	 * acknowledged when stored. A duplicate changes nothing and is acknowledged once everything
	 * accepted before it is stored. A connection that keeps sending malformed updates is closed.
	 */
	async sync(socket: AppSocket, noteId: string, data: Uint8Array): Promise<{ sync?: Uint8Array }> {
		try {
			return await this.#sync(socket, noteId, data);
		} catch (error) {
			if (
				AppError.is(error) &&
				error.code === 'malformed_update' &&
				this.#malformed.spend(socket)
			) {
				this.#options.log.warn(
					{ noteId, socketId: socket.id, userId: socket.data.userId },
					'too many malformed note updates; closing the connection'
				);
				// After the refusal's acknowledgement has gone out.
				setImmediate(() => socket.disconnect(true));
				throw new AppError(
					'malformed_update',
					`${error.message} This connection sent too many malformed changes and is closed now.`
				);
			}
			throw error;
		}
	}

	async #sync(socket: AppSocket, noteId: string, data: Uint8Array): Promise<{ sync?: Uint8Array }> {
		const note = this.peek(noteId);
		const connection = note?.connections.get(socket.id);
		if (!note || !connection) {
			throw new AppError('not_joined', 'Open the note before syncing it.');
		}
		const message = readSyncMessage(data);
		if (message.type === SYNC_STEP1) {
			return { sync: encodeStep2(note.doc, checkStateVector(message.stateVector)) };
		}
		await this.#updates.receive(note, connection, message.update);
		return {};
	}

	/** Applies an awareness update from a joined socket (viewers too) and relays it. */
	awareness(socket: AppSocket, noteId: string, update: Uint8Array): void {
		const note = this.peek(noteId);
		const connection = note?.connections.get(socket.id);
		if (!note || !connection) {
			throw new AppError('not_joined', 'Open the note before sending your cursor.');
		}
		receiveAwareness(note, connection, update, this.#options.maxAwarenessBytes);
	}

	/**
	 * Re-checks everyone in a note after its access changed: people who lost it are taken out of
	 * the room at once (`note:closed`), people whose role changed are told (`note:role`).
	 */
	async reauthorize(noteId: string, reason: Exclude<NoteCloseReason, 'reloaded'>): Promise<void> {
		this.#accessEpoch += 1;
		const note = this.peek(noteId);
		if (!note) return;
		for (const connection of [...note.connections.values()]) {
			const role = await this.#authenticate(noteId, connection.user).catch(() => null);
			if (note.connections.get(connection.socket.id) !== connection) continue;
			if (!role) this.#kick(note, connection, reason);
			else if (role !== connection.role) {
				connection.role = role;
				connection.socket.emit('note:role', { noteId, role });
			}
		}
	}

	/** Runs `read` on a note's document, loading it for a while if nobody has it open. */
	async read<T>(noteId: string, read: (note: LoadedNote) => T): Promise<T> {
		const note = await this.#notes.open(noteId);
		try {
			return read(note);
		} finally {
			if (note.connections.size === 0) this.#notes.scheduleUnload(note);
		}
	}

	/** Unloads a note now if nobody is in it (the idle timer, tests, shutdown); true once it is gone. */
	unload(noteId: string): Promise<boolean> {
		return this.#notes.unload(noteId);
	}

	/** Stops: waits for pending stores and unloads every note (final compaction). */
	async close(): Promise<void> {
		for (const noteId of this.loadedIds) {
			const note = this.peek(noteId);
			if (!note) continue;
			for (const connection of [...note.connections.values()]) this.#drop(note, connection);
			await this.unload(noteId);
		}
		for (const extension of withHook(this.#extensions, 'onDestroy')) extension.onDestroy?.();
	}

	async #authenticate(noteId: string, user: PublicUser): Promise<NoteRole> {
		const payload: AuthenticatePayload = { noteId, user, role: null };
		for (const extension of withHook(this.#extensions, 'onAuthenticate')) {
			await extension.onAuthenticate?.(payload);
		}
		if (!payload.role) throw new AppError('not_found', payload.refusal ?? 'No such note.');
		return payload.role;
	}

	#drop(note: LoadedNote, connection: NoteConnection): void {
		note.connections.delete(connection.socket.id);
		this.#bySocket.get(connection.socket.id)?.delete(note.id);
		if (connection.clientIds.size) {
			const ids = [...connection.clientIds];
			for (const id of ids) note.clientOwners.delete(id);
			connection.clientIds.clear();
			removeAwarenessStates(note.awareness, ids, 'leave');
		}
		if (note.connections.size === 0) this.#notes.scheduleUnload(note);
	}

	#kick(note: LoadedNote, connection: NoteConnection, reason: NoteCloseReason): void {
		this.#drop(note, connection);
		void connection.socket.leave(rooms.note(note.id));
		connection.socket.emit('note:closed', { noteId: note.id, reason });
	}

	/** Drops a note whose memory may be inconsistent; everyone in it joins again and resyncs. */
	#evict(note: LoadedNote): Promise<void> {
		return this.#notes.evict(note, (connection) => this.#kick(note, connection, 'reloaded'));
	}

	#socketNotes(socketId: string): Set<string> {
		let set = this.#bySocket.get(socketId);
		if (!set) this.#bySocket.set(socketId, (set = new Set()));
		return set;
	}
}
