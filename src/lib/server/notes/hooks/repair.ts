import type { Logger } from '../../logger.ts';
import type { LoadPayload, NoteExtension } from '../extension.ts';
import { repairAttributes } from '../repair.ts';

/** The transaction origin of a load-time repair: the server's own change, not an edit. */
export const REPAIR_ORIGIN = Symbol('repair');

/**
 * onLoadDocument, after the document is read: makes attributes fit the editor schema (a link
 * whose `href` is a number, which the browser's editor cannot render), for notes stored before
 * updates were checked for attribute types. Editors receive the repaired note as it syncs; the
 * repair is stored with the next compaction (the note is marked dirty) and redone on the next load
 * if the server stops first.
 */
export class RepairOnLoad implements NoteExtension {
	readonly priority = 500;
	readonly #log: Logger;

	constructor(log: Logger) {
		this.#log = log;
	}

	onLoadDocument({ note }: LoadPayload): Promise<void> {
		const fixes = repairAttributes(note.doc, REPAIR_ORIGIN);
		if (fixes > 0) {
			note.dirty = true;
			this.#log.warn({ noteId: note.id, fixes }, 'repaired attributes that do not fit the schema');
		}
		return Promise.resolve();
	}
}
