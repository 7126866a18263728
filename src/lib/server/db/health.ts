import type { Db } from './client.ts';

/** Readiness for /healthz: whether the database answers a trivial query right now. */
export class DatabaseHealth {
	readonly #db: Db;

	constructor(db: Db) {
		this.#db = db;
	}

	/** Resolves with the error when the database does not answer (never rejects). */
	async check(): Promise<{ ok: true } | { ok: false; error: unknown }> {
		try {
			await this.#db.$queryRaw`SELECT 1`;
			return { ok: true };
		} catch (error) {
			return { ok: false, error };
		}
	}
}
