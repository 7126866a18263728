import * as Y from 'yjs';
import { encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AppSocket } from '../realtime/define.ts';
import {
	decodeSyncMessage,
	encodeStep1,
	encodeStep2,
	SYNC_STEP1,
	type SyncMessage
} from '#lib/shared/note-sync.ts';
import { rooms } from '#lib/shared/events.ts';
import type { NoteCloseReason, NoteRole } from '#lib/shared/notes.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { applyAwareness } from './awareness-apply.ts';
import { decodeAwareness } from './awareness-codec.ts';
import { eachInTurn, inArrivalOrder } from './change-order.ts';
import type { AuthenticatePayload, HookName, NoteExtension } from './extension.ts';
import { LoadedNote, type NoteConnection, type StoredUpdate } from './loaded-note.ts';
import { MalformedBudget } from './malformed-budget.ts';
import { relayChanges, type ChangeOrigin } from './relay.ts';

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

interface Entry {
	/** While loading; dropped once `note` is there. */
	ready?: Promise<LoadedNote>;
	note?: LoadedNote;
	unloading?: Promise<void>;
}

const MAX_AWARENESS_STATES = 8;

/**
 * The collaboration server, shaped like Hocuspocus: it loads each note's Yjs document once per
 * process, lets authorised sockets join its room, applies and relays their y-protocols messages,
 * and hands accepted updates to storage, acknowledging each sender only after its update is
 * stored. Policy lives in the extensions (`hooks/`); this class only sequences them.
 */
export class DocumentManager {
	readonly #extensions: NoteExtension[];
	readonly #options: ManagerOptions;
	readonly #notes = new Map<string, Entry>();
	readonly #bySocket = new Map<string, Set<string>>();
	/** Bumped whenever any note's access changes, so a join in flight re-checks its role. */
	#accessEpoch = 0;
	readonly #malformed: MalformedBudget;
	/** The onChange extensions, in order: the hot path does not look them up per update. */
	readonly #changeChecks: NoteExtension[];

	constructor(extensions: NoteExtension[], options: ManagerOptions) {
		this.#extensions = [...extensions].sort((a, b) => (b.priority ?? 100) - (a.priority ?? 100));
		this.#options = options;
		this.#malformed = new MalformedBudget(options.maxMalformedUpdates);
		this.#changeChecks = [...this.#with('onChange')];
	}

	/** Ids of the notes in memory. */
	get loadedIds(): string[] {
		return [...this.#notes.keys()];
	}

	/** How many notes are in memory (the admins' live panel). */
	get openCount(): number {
		return this.#notes.size;
	}

	/** A loaded note, if it is in memory (for tests and diagnostics). */
	peek(noteId: string): LoadedNote | undefined {
		return this.#notes.get(noteId)?.note;
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
		const stateVector = this.#readStep1(step1);
		let epoch = this.#accessEpoch;
		const role = await this.#authenticate(noteId, user);
		const note = await this.#open(noteId);
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
		let message: SyncMessage;
		try {
			message = decodeSyncMessage(data);
		} catch {
			throw new AppError('malformed_update', 'This is not a sync message.');
		}
		if (message.type === SYNC_STEP1) {
			return { sync: encodeStep2(note.doc, this.#checkStateVector(message.stateVector)) };
		}
		const { update } = message;
		const { stored } = await inArrivalOrder(note, () => this.#change(note, connection, update));
		try {
			await stored;
		} catch (err) {
			this.#options.log.error({ err, noteId }, 'storing note updates failed');
			throw new AppError('internal', 'Your change could not be saved. Send it again.');
		}
		return {};
	}

	/** Runs the onChange hooks, then applies the update and hands it to storage. */
	#change(
		note: LoadedNote,
		connection: NoteConnection,
		update: Uint8Array
	): { stored: Promise<void> } | Promise<{ stored: Promise<void> }> {
		// It may have waited behind a slow check meanwhile.
		if (note.destroyed || note.connections.get(connection.socket.id) !== connection) {
			throw new AppError('not_joined', 'Open the note before syncing it.');
		}
		const checked = eachInTurn(this.#changeChecks, (extension) =>
			extension.onChange?.({ note, connection, update })
		);
		return checked
			? checked.then(() => this.#apply(note, connection, update))
			: this.#apply(note, connection, update);
	}

	#apply(
		note: LoadedNote,
		connection: NoteConnection,
		update: Uint8Array
	): { stored: Promise<void> } {
		const origin: ChangeOrigin = { connection, update: null };
		try {
			Y.applyUpdate(note.doc, update, origin);
		} catch (err) {
			// The checks tried it on a copy first, so this is a bug in them or in Yjs: the document may
			// be half changed, and only reloading it from storage makes it trustworthy again.
			this.#options.log.error(
				{ err, noteId: note.id },
				'a checked update failed to apply; reloading the note'
			);
			void this.#evict(note);
			throw new AppError('malformed_update', 'The update could not be applied.');
		}
		// A duplicate changed nothing: acknowledge it once everything accepted before is stored.
		if (!origin.update) return { stored: note.queue.drain() };
		return {
			stored: note.queue.push({
				seq: ++note.lastSeq,
				data: origin.update,
				userId: connection.user.id,
				at: new Date()
			})
		};
	}

	/**
	 * Applies an awareness update from a joined socket (viewers too) and relays it. A socket speaks
	 * only for its own client ids, and the server writes the user's real name and colour into each
	 * state, so nobody can show up under someone else's name.
	 */
	awareness(socket: AppSocket, noteId: string, update: Uint8Array): void {
		const note = this.peek(noteId);
		const connection = note?.connections.get(socket.id);
		if (!note || !connection) {
			throw new AppError('not_joined', 'Open the note before sending your cursor.');
		}
		if (update.length > this.#options.maxAwarenessBytes) {
			throw new AppError('payload_too_large', 'This awareness update is too large.');
		}
		let entries;
		try {
			entries = decodeAwareness(update, MAX_AWARENESS_STATES);
		} catch {
			throw new AppError('malformed_update', 'This is not an awareness update.');
		}
		for (const { clientId } of entries) {
			const owner = note.clientOwners.get(clientId);
			if ((owner && owner !== socket.id) || clientId === note.doc.clientID) {
				throw new AppError('forbidden', 'You can only update your own cursor.');
			}
		}
		applyAwareness(note, connection, entries);
		for (const { clientId, state } of entries) {
			if (state) {
				note.clientOwners.set(clientId, socket.id);
				connection.clientIds.add(clientId);
			} else if (connection.clientIds.delete(clientId)) {
				note.clientOwners.delete(clientId);
			}
		}
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
		const note = await this.#open(noteId);
		try {
			return read(note);
		} finally {
			if (note.connections.size === 0) this.#scheduleUnload(note);
		}
	}

	/** Unloads a note now if nobody is in it (the idle timer, tests, shutdown); true once it is gone. */
	async unload(noteId: string): Promise<boolean> {
		const entry = this.#notes.get(noteId);
		if (entry?.unloading) await entry.unloading;
		const note = entry?.note;
		if (!entry || !note || entry.unloading) return !this.#notes.has(noteId);
		if (note.connections.size) return false;
		entry.unloading = (async () => {
			try {
				while (note.changes) await note.changes;
				await note.queue.drain();
				for (const extension of this.#with('onUnloadDocument')) {
					await extension.onUnloadDocument?.({ note });
				}
			} catch (err) {
				this.#options.log.error({ err, noteId }, 'unloading a note failed');
			} finally {
				note.destroy();
				this.#notes.delete(noteId);
				this.#options.log.info({ noteId }, 'note unloaded');
			}
		})();
		await entry.unloading;
		return true;
	}

	/** Stops: waits for pending stores and unloads every note (final compaction). */
	async close(): Promise<void> {
		for (const noteId of this.loadedIds) {
			const note = this.peek(noteId);
			if (!note) continue;
			for (const connection of [...note.connections.values()]) this.#drop(note, connection);
			await this.unload(noteId);
		}
		for (const extension of this.#with('onDestroy')) extension.onDestroy?.();
	}

	async #authenticate(noteId: string, user: PublicUser): Promise<NoteRole> {
		const payload: AuthenticatePayload = { noteId, user, role: null };
		for (const extension of this.#with('onAuthenticate')) {
			await extension.onAuthenticate?.(payload);
		}
		if (!payload.role) throw new AppError('not_found', payload.refusal ?? 'No such note.');
		return payload.role;
	}

	async #open(noteId: string): Promise<LoadedNote> {
		for (;;) {
			const entry = this.#notes.get(noteId);
			if (entry?.unloading) {
				await entry.unloading;
				continue;
			}
			if (entry) return entry.note ?? (entry.ready as Promise<LoadedNote>);
			const ready = this.#load(noteId);
			const created: Entry = { ready };
			this.#notes.set(noteId, created);
			try {
				created.note = await ready;
				created.ready = undefined;
				return created.note;
			} catch (error) {
				this.#notes.delete(noteId);
				throw error;
			}
		}
	}

	async #load(noteId: string): Promise<LoadedNote> {
		const started = performance.now();
		// The main thread's CPU only: what the load cost the event loop, not the read worker's share.
		const cpu = process.threadCpuUsage();
		const note = new LoadedNote(noteId, (n, batch) => this.#store(n, batch));
		try {
			for (const extension of this.#with('onLoadDocument')) {
				await extension.onLoadDocument?.({ note });
			}
		} catch (error) {
			note.destroy();
			throw error;
		}
		relayChanges(note);
		const used = process.threadCpuUsage(cpu);
		this.#options.log.info(
			{
				noteId,
				ms: Math.round((performance.now() - started) * 10) / 10,
				cpuMs: Math.round((used.user + used.system) / 100) / 10,
				updates: note.tailCount,
				bytes: note.size
			},
			'note loaded'
		);
		return note;
	}

	async #store(note: LoadedNote, batch: StoredUpdate[]): Promise<void> {
		for (const extension of this.#with('onStoreDocument')) {
			await extension.onStoreDocument?.({ note, updates: batch });
		}
		note.storedSeq = Math.max(note.storedSeq, batch.at(-1)?.seq ?? 0);
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
		if (note.connections.size === 0) this.#scheduleUnload(note);
	}

	#kick(note: LoadedNote, connection: NoteConnection, reason: NoteCloseReason): void {
		this.#drop(note, connection);
		void connection.socket.leave(rooms.note(note.id));
		connection.socket.emit('note:closed', { noteId: note.id, reason });
	}

	/** Drops a note whose memory may be inconsistent; everyone in it joins again and resyncs. */
	async #evict(note: LoadedNote): Promise<void> {
		const entry = this.#notes.get(note.id);
		if (!entry || entry.note !== note || entry.unloading) return;
		for (const connection of [...note.connections.values()]) {
			this.#kick(note, connection, 'reloaded');
		}
		clearTimeout(note.unloadTimer);
		entry.unloading = note.queue.drain().finally(() => {
			note.destroy();
			this.#notes.delete(note.id);
		});
		await entry.unloading;
	}

	#scheduleUnload(note: LoadedNote): void {
		clearTimeout(note.unloadTimer);
		if (note.destroyed) return;
		note.unloadTimer = setTimeout(() => void this.unload(note.id), this.#options.unloadAfterMs);
		note.unloadTimer.unref();
	}

	#socketNotes(socketId: string): Set<string> {
		let set = this.#bySocket.get(socketId);
		if (!set) this.#bySocket.set(socketId, (set = new Set()));
		return set;
	}

	#readStep1(message: Uint8Array): Uint8Array {
		try {
			const decoded = decodeSyncMessage(message);
			if (decoded.type === SYNC_STEP1) return this.#checkStateVector(decoded.stateVector);
		} catch {
			// reported below
		}
		throw new AppError('malformed_update', 'Join with a sync step 1 message.');
	}

	#checkStateVector(stateVector: Uint8Array): Uint8Array {
		try {
			Y.decodeStateVector(stateVector);
			return stateVector;
		} catch {
			throw new AppError('malformed_update', 'The state vector could not be decoded.');
		}
	}

	*#with<H extends HookName>(hook: H): Generator<NoteExtension> {
		for (const extension of this.#extensions) if (extension[hook]) yield extension;
	}
}
