import type { Db } from '../../db/client.ts';
import { loadAccessFacts, roleOf } from '../access.ts';
import type { AuthenticatePayload, NoteExtension } from '../extension.ts';

/**
 * onAuthenticate: grants the role the database gives the user — owner, the better of their own
 * share and the workspace's access, or nothing (notes in the trash give nobody a role). Runs on
 * every join and again for everyone in a note whenever its sharing changes.
 */
export class AuthenticateFromDatabase implements NoteExtension {
	readonly priority = 1000;
	readonly #db: Db;

	constructor(db: Db) {
		this.#db = db;
	}

	async onAuthenticate(payload: AuthenticatePayload): Promise<void> {
		const facts = await loadAccessFacts(this.#db, payload.noteId);
		payload.role = facts ? roleOf(facts, payload.user.id) : null;
		if (facts?.deletedAt && facts.ownerId === payload.user.id) {
			payload.refusal = 'This note is in the trash.';
		}
	}
}
