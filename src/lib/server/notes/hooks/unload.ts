import type { Compactor } from '../compaction.ts';
import type { NoteExtension, UnloadPayload } from '../extension.ts';

/**
 * onUnloadDocument: before a note leaves memory (nobody in it for NOTE_UNLOAD_AFTER_MS, or the
 * server stopping), writes its final preview and folds whatever log is left into the snapshot, so
 * the next load reads one row. The manager has already waited for pending stores.
 */
export class CompactOnUnload implements NoteExtension {
	readonly priority = 1000;
	readonly #compactor: Compactor;

	constructor(compactor: Compactor) {
		this.#compactor = compactor;
	}

	async onUnloadDocument({ note }: UnloadPayload): Promise<void> {
		await this.#compactor.run(note, { force: true });
	}
}
