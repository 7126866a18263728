import { AppError } from '../../errors.ts';
import { atLeast } from '../access.ts';
import type { ChangePayload, NoteExtension } from '../extension.ts';
import { checkUpdate } from '../update-check.ts';

export interface ChangeLimits {
	/** Largest single update. */
	maxUpdateBytes: number;
	/** Largest document (stored snapshot plus the updates since). */
	maxDocumentBytes: number;
}

/**
 * onChange: refuses an update before it touches the document when the sender may only read, when
 * it is too big for one update or for the document, when its bytes are not a complete, decodable
 * Yjs update of a note (garbage, truncated, other root types, elements or marks outside the
 * editor schema), or when it depends on changes the document does not have.
 */
export class ValidateChange implements NoteExtension {
	readonly priority = 1000;
	readonly #limits: ChangeLimits;

	constructor(limits: ChangeLimits) {
		this.#limits = limits;
	}

	onChange({ note, connection, update }: ChangePayload): void {
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
		const verdict = checkUpdate(note.doc, update);
		if (!verdict.ok) throw new AppError(verdict.code, verdict.message);
	}
}

function mib(bytes: number): string {
	return `${(bytes / 1_048_576).toFixed(bytes < 1_048_576 ? 2 : 1)} MiB`;
}
