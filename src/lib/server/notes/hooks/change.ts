import * as Y from 'yjs';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { atLeast } from '../access.ts';
import type { ChangePayload, NoteExtension, UnloadPayload } from '../extension.ts';
import type { LoadedNote } from '../loaded-note.ts';
import { tryUpdate } from '../trial.ts';
import { checkUpdate } from '../update-check.ts';
import { UpdateWorkerClient } from '../update-worker-client.ts';

export interface ChangeLimits {
	/** Largest single update. */
	maxUpdateBytes: number;
	/** Largest document (stored snapshot plus the updates since). */
	maxDocumentBytes: number;
}

/**
 * Updates up to this size and struct count are tried in-process on the note's shadow copy: even a
 * hostile one (every struct conflicting with every other) integrates in a few milliseconds. Larger
 * ones go to the worker thread, where a loop or a quadratic integration cannot stall the server.
 */
const INLINE_MAX_BYTES = 64 * 1024;
const INLINE_MAX_STRUCTS = 300;
/**
 * CPU budgets for applying one update to the copy. The live document then costs the main thread
 * as much again, so the worker's budget bounds that too (a real 1.5 MB rich-text paste takes about
 * 250 ms); in-process, a keystroke takes a few hundredths of a millisecond.
 */
const INLINE_BUDGET_MS = 100;
const WORKER_BUDGET_MS = 500;

/**
 * A shadow lives for a burst of edits (the upkeep waits as long after the last store): an idle
 * note does not hold a second copy of its document, and the next burst rebuilds it once.
 */
const SHADOW_IDLE_MS = 2000;

/** A note's shadow: a copy of its document, equal to it after every accepted update. */
interface Shadow {
	doc: Y.Doc;
	/** The note's `revision` the copy corresponds to; any other value means it is stale. */
	revision: number;
	/** Drops the shadow once the note has been idle for SHADOW_IDLE_MS. */
	idle: ReturnType<typeof setTimeout>;
}

/**
 * onChange: refuses an update before it touches the document when the sender may only read, when
 * it is too big for one update or for the document, or when it is not an update a note can take.
 * The update is checked first without applying it (`update-check.ts`: it decodes, stays inside the
 * note's fragment, depends on nothing missing) and then applied to a copy (`trial.ts`): the copy
 * must take it completely, without an error, within a CPU budget, and end up with only what the
 * editor schema allows (names, attribute types, nesting). Only then does the live document see it,
 * so a bad update is refused to its sender alone and never reloads the note for the others.
 *
 * The copy ("shadow") stays in memory while someone edits the note (dropped after 2 s without an
 * update, rebuilt from the live document on the next one, and after a refusal). This must be the last onChange check: once its trial passed,
 * the document applies the update.
 */
export class ValidateChange implements NoteExtension {
	readonly priority = 0;
	readonly #limits: ChangeLimits;
	readonly #worker: UpdateWorkerClient;
	readonly #shadows = new WeakMap<LoadedNote, Shadow>();
	/** The note's encoded state for the worker, kept while the note does not change (a resend). */
	readonly #states = new WeakMap<LoadedNote, { revision: number; state: Uint8Array }>();

	constructor(limits: ChangeLimits, log: Logger) {
		this.#limits = limits;
		this.#worker = new UpdateWorkerClient(log);
	}

	onChange({ note, connection, update }: ChangePayload): void | Promise<void> {
		if (!atLeast(connection.role, 'editor')) {
			throw new AppError('read_only', 'You can only read this note.');
		}
		const { maxUpdateBytes, maxDocumentBytes } = this.#limits;
		if (update.length > maxUpdateBytes) {
			throw new AppError(
				'payload_too_large',
				`This change is ${mib(update.length)}; a single change may be at most ${mib(maxUpdateBytes)}.`
			);
		}
		if (note.size + update.length > maxDocumentBytes) {
			throw new AppError(
				'document_too_large',
				`The note would grow past its limit of ${mib(maxDocumentBytes)}.`
			);
		}
		if (update.length > INLINE_MAX_BYTES) return this.#inWorker(note, update);
		const checked = checkUpdate(note.doc, update);
		if (!checked.ok) throw new AppError(checked.code, checked.message);
		if (checked.empty) return;
		if (checked.structs > INLINE_MAX_STRUCTS) return this.#inWorker(note, update);
		const shadow = this.#shadow(note);
		const verdict = tryUpdate(shadow.doc, update, INLINE_BUDGET_MS);
		if (!verdict.ok) {
			this.#drop(note);
			throw new AppError(verdict.code, verdict.message);
		}
		if (verdict.changed) shadow.revision = note.revision + 1;
	}

	onUnloadDocument({ note }: UnloadPayload): Promise<void> {
		this.#drop(note);
		this.#states.delete(note);
		return Promise.resolve();
	}

	onDestroy(): void {
		void this.#worker.close();
	}

	async #inWorker(note: LoadedNote, update: Uint8Array): Promise<void> {
		const verdict = await this.#worker.check(this.#state(note), update, WORKER_BUDGET_MS);
		if (!verdict.ok) throw new AppError(verdict.code, verdict.message);
		// The live document takes the update now: the shadow and the state would be one behind.
		this.#drop(note);
		this.#states.delete(note);
	}

	#shadow(note: LoadedNote): Shadow {
		let shadow = this.#shadows.get(note);
		if (shadow?.revision === note.revision) {
			shadow.idle.refresh();
			return shadow;
		}
		this.#drop(note);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(note.doc));
		const idle = setTimeout(() => this.#drop(note), SHADOW_IDLE_MS);
		idle.unref();
		shadow = { doc, revision: note.revision, idle };
		this.#shadows.set(note, shadow);
		return shadow;
	}

	#state(note: LoadedNote): Uint8Array {
		let cached = this.#states.get(note);
		if (cached?.revision !== note.revision) {
			cached = { revision: note.revision, state: Y.encodeStateAsUpdate(note.doc) };
			this.#states.set(note, cached);
		}
		return cached.state;
	}

	#drop(note: LoadedNote): void {
		const shadow = this.#shadows.get(note);
		if (!shadow) return;
		clearTimeout(shadow.idle);
		shadow.doc.destroy();
		this.#shadows.delete(note);
	}
}

function mib(bytes: number): string {
	return `${(bytes / 1_048_576).toFixed(bytes < 1_048_576 ? 2 : 1)} MiB`;
}
