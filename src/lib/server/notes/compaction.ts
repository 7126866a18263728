import * as Y from 'yjs';
import type { Db } from '../db/client.ts';
import { storable } from './bytes.ts';
import type { Logger } from '../logger.ts';
import type { LoadedNote } from './loaded-note.ts';
import { previewText } from './render.ts';

/** How long after a store the background work runs; bursts of typing share one pass. */
const MAINTENANCE_DELAY_MS = 2000;

/**
 * Background upkeep of loaded notes: refreshes the list preview, and compacts the update log into
 * the snapshot once enough updates piled up. Compaction writes the in-memory state as the snapshot
 * for seq S (the newest stored update at that instant) and deletes the log rows up to S in one
 * transaction. The state may already hold later updates too; replaying those on load is harmless,
 * because applying a Yjs update twice changes nothing.
 */
export class Compactor {
	readonly #db: Db;
	readonly #log: Logger;
	readonly #compactAfter: number;
	readonly #onPreview: (noteId: string, preview: string) => void;

	constructor(deps: {
		db: Db;
		log: Logger;
		compactAfterUpdates: number;
		/** Told whenever a note's preview text changed, to update lists. */
		onPreview?: (noteId: string, preview: string) => void;
	}) {
		this.#db = deps.db;
		this.#log = deps.log;
		this.#compactAfter = deps.compactAfterUpdates;
		this.#onPreview = deps.onPreview ?? (() => {});
	}

	/** Runs the upkeep of a note soon, once, whatever the number of calls meanwhile. */
	schedule(note: LoadedNote): void {
		if (note.maintenanceTimer || note.destroyed) return;
		note.maintenanceTimer = setTimeout(() => {
			note.maintenanceTimer = undefined;
			this.run(note).catch((err: unknown) =>
				this.#log.error({ err, noteId: note.id }, 'note upkeep failed')
			);
		}, MAINTENANCE_DELAY_MS);
		note.maintenanceTimer.unref();
	}

	/** Refreshes the preview and compacts when due (or whenever there is a tail, with `force`). */
	async run(note: LoadedNote, options: { force?: boolean } = {}): Promise<void> {
		clearTimeout(note.maintenanceTimer);
		note.maintenanceTimer = undefined;
		while (note.compaction) await note.compaction;
		const due = options.force
			? note.tailCount > 0 || note.dirty
			: note.tailCount >= this.#compactAfter || note.dirty;
		note.compaction = (async () => {
			await this.#refreshPreview(note);
			if (due) await this.compact(note);
		})();
		try {
			await note.compaction;
		} finally {
			note.compaction = null;
		}
	}

	/** Folds the stored log into a new snapshot now. */
	async compact(note: LoadedNote): Promise<void> {
		// Read together, synchronously: the state covers every update up to `seq`.
		const seq = note.storedSeq;
		const count = note.tailCount;
		const bytes = note.tailBytes;
		const wasDirty = note.dirty;
		const state = storable(Y.encodeStateAsUpdate(note.doc));
		const started = performance.now();
		await this.#db.$transaction([
			this.#db.noteSnapshot.upsert({
				where: { noteId: note.id },
				create: { noteId: note.id, state, seq },
				update: { state, seq }
			}),
			this.#db.noteUpdate.deleteMany({ where: { noteId: note.id, seq: { lte: seq } } })
		]);
		note.snapshotSeq = seq;
		note.snapshotBytes = state.length;
		note.tailCount -= count;
		note.tailBytes -= bytes;
		if (wasDirty) note.dirty = false;
		this.#log.debug(
			{ noteId: note.id, seq, updates: count, bytes: state.length, ms: elapsed(started) },
			'note compacted'
		);
	}

	/** Writes the preview when it changed (the append moved `updatedAt`, the list's order). */
	async #refreshPreview(note: LoadedNote): Promise<void> {
		if (note.previewHash === null) {
			const row = await this.#db.note.findUnique({
				where: { id: note.id },
				select: { preview: true }
			});
			note.previewHash = hash(row?.preview ?? '');
		}
		const preview = previewText(note.doc);
		if (hash(preview) === note.previewHash) return;
		await this.#db.note.updateMany({ where: { id: note.id }, data: { preview } });
		note.previewHash = hash(preview);
		this.#onPreview(note.id, preview);
	}
}

/** FNV-1a: a loaded note remembers its preview by this number, not by the text. */
function hash(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
	return h >>> 0;
}

function elapsed(since: number): number {
	return Math.round((performance.now() - since) * 10) / 10;
}
