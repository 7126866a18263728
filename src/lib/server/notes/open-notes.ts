import type { Logger } from '../logger.ts';
import { withHook, type NoteExtension } from './extension.ts';
import { LoadedNote, type NoteConnection, type StoredUpdate } from './loaded-note.ts';
import { relayChanges } from './relay.ts';

interface Entry {
	/** While loading; dropped once `note` is there. */
	ready?: Promise<LoadedNote>;
	note?: LoadedNote;
	unloading?: Promise<void>;
}

/**
 * The notes in memory, each loaded once per process: the first open runs the onLoadDocument hooks
 * (opens meanwhile wait for it), accepted updates are stored through onStoreDocument, and a note
 * nobody is in leaves memory after a while, through onUnloadDocument (its final compaction).
 */
export class OpenNotes {
	readonly #extensions: readonly NoteExtension[];
	readonly #log: Logger;
	readonly #unloadAfterMs: number;
	readonly #notes = new Map<string, Entry>();

	/** `extensions` in priority order. */
	constructor(
		extensions: readonly NoteExtension[],
		options: { log: Logger; unloadAfterMs: number }
	) {
		this.#extensions = extensions;
		this.#log = options.log;
		this.#unloadAfterMs = options.unloadAfterMs;
	}

	get ids(): string[] {
		return [...this.#notes.keys()];
	}

	get count(): number {
		return this.#notes.size;
	}

	/** A loaded note, if it is in memory. */
	peek(noteId: string): LoadedNote | undefined {
		return this.#notes.get(noteId)?.note;
	}

	/** The note in memory, loading it first if needed (after an unload in progress finished). */
	async open(noteId: string): Promise<LoadedNote> {
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

	/** Unloads a note now if nobody is in it; true once it is gone. */
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
				for (const extension of withHook(this.#extensions, 'onUnloadDocument')) {
					await extension.onUnloadDocument?.({ note });
				}
			} catch (err) {
				this.#log.error({ err, noteId }, 'unloading a note failed');
			} finally {
				note.destroy();
				this.#notes.delete(noteId);
				this.#log.info({ noteId }, 'note unloaded');
			}
		})();
		await entry.unloading;
		return true;
	}

	/**
	 * Drops a note whose memory may be inconsistent, without its unload hooks: `kick` takes out each
	 * connection first (they join again and resync), then its pending stores finish.
	 */
	async evict(note: LoadedNote, kick: (connection: NoteConnection) => void): Promise<void> {
		const entry = this.#notes.get(note.id);
		if (!entry || entry.note !== note || entry.unloading) return;
		for (const connection of [...note.connections.values()]) kick(connection);
		clearTimeout(note.unloadTimer);
		entry.unloading = note.queue.drain().finally(() => {
			note.destroy();
			this.#notes.delete(note.id);
		});
		await entry.unloading;
	}

	/** (Re)starts the countdown to unloading a note nobody is in. */
	scheduleUnload(note: LoadedNote): void {
		clearTimeout(note.unloadTimer);
		if (note.destroyed) return;
		note.unloadTimer = setTimeout(() => void this.unload(note.id), this.#unloadAfterMs);
		note.unloadTimer.unref();
	}

	async #load(noteId: string): Promise<LoadedNote> {
		const started = performance.now();
		// The main thread's CPU only: what the load cost the event loop, not the read worker's share.
		const cpu = process.threadCpuUsage();
		const note = new LoadedNote(noteId, (n, batch) => this.#store(n, batch));
		try {
			for (const extension of withHook(this.#extensions, 'onLoadDocument')) {
				await extension.onLoadDocument?.({ note });
			}
		} catch (error) {
			note.destroy();
			throw error;
		}
		relayChanges(note);
		const used = process.threadCpuUsage(cpu);
		this.#log.info(
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
		for (const extension of withHook(this.#extensions, 'onStoreDocument')) {
			await extension.onStoreDocument?.({ note, updates: batch });
		}
	}
}
