import * as Y from 'yjs';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { eachInTurn, inArrivalOrder } from './change-order.ts';
import type { NoteExtension } from './extension.ts';
import type { LoadedNote, NoteConnection } from './loaded-note.ts';
import type { ChangeOrigin } from './relay.ts';

/**
 * A client's update on its way into a note: the onChange hooks check it, it is applied (the
 * document's observer relays it to the room at once) and queued for storage, in the order updates
 * arrived. The sender is answered once it is stored.
 */
export class IncomingUpdates {
	/** The onChange extensions, in order: the hot path does not look them up per update. */
	readonly #checks: readonly NoteExtension[];
	readonly #log: Logger;
	/** Called when an update that passed the checks failed to apply: the note must be reloaded. */
	readonly #evict: (note: LoadedNote) => Promise<void>;

	constructor(deps: {
		checks: readonly NoteExtension[];
		log: Logger;
		evict: (note: LoadedNote) => Promise<void>;
	}) {
		this.#checks = deps.checks;
		this.#log = deps.log;
		this.#evict = deps.evict;
	}

	/**
	 * Checks, applies and stores one update. A duplicate changes nothing and resolves once
	 * everything accepted before it is stored.
	 */
	async receive(note: LoadedNote, connection: NoteConnection, update: Uint8Array): Promise<void> {
		const { stored } = await inArrivalOrder(note, () => this.#change(note, connection, update));
		try {
			await stored;
		} catch (err) {
			this.#log.error({ err, noteId: note.id }, 'storing note updates failed');
			throw new AppError('internal', 'Your change could not be saved. Send it again.');
		}
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
		const checked = eachInTurn(this.#checks, (extension) =>
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
			this.#log.error(
				{ err, noteId: note.id },
				'a checked update failed to apply; reloading the note'
			);
			void this.#evict(note);
			throw new AppError('malformed_update', 'The update could not be applied.');
		}
		// A duplicate changed nothing: acknowledge it once everything accepted before is stored.
		if (!origin.update) return { stored: note.queue.drain() };
		note.revision += 1;
		return {
			stored: note.queue.push({
				data: origin.update,
				userId: connection.user.id,
				at: new Date()
			})
		};
	}
}
