import type { Db } from '../db/client.ts';

/** Per instance, entity and scope (a remote user id for chats): the newest `updated_at` imported. */
export class Watermarks {
	readonly #db: Db;
	readonly #instanceId: string;
	#values = new Map<string, number>();

	private constructor(db: Db, instanceId: string) {
		this.#db = db;
		this.#instanceId = instanceId;
	}

	static async load(db: Db, instanceId: string): Promise<Watermarks> {
		const marks = new Watermarks(db, instanceId);
		const rows = await db.syncWatermark.findMany({ where: { instanceId } });
		for (const row of rows) {
			marks.#values.set(key(row.entity, row.scope), row.value.getTime() / 1000);
		}
		return marks;
	}

	/** In seconds, or null when nothing was imported yet. */
	get(entity: string, scope = ''): number | null {
		return this.#values.get(key(entity, scope)) ?? null;
	}

	/**
	 * Moves a watermark forward to `valueS` (never back, never past `capS`: a remote clock or a
	 * timestamp in the future must not make later changes look old).
	 */
	async advance(entity: string, scope: string, valueS: number, capS: number): Promise<void> {
		const value = Math.min(valueS, capS);
		const current = this.get(entity, scope);
		if (current !== null && current >= value) return;
		this.#values.set(key(entity, scope), value);
		const date = new Date(Math.round(value * 1000));
		await this.#db.syncWatermark.upsert({
			where: { instanceId_entity_scope: { instanceId: this.#instanceId, entity, scope } },
			create: { instanceId: this.#instanceId, entity, scope, value: date },
			update: { value: date }
		});
	}
}

function key(entity: string, scope: string): string {
	return `${entity}\u0000${scope}`;
}
