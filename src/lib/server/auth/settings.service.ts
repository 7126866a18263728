import type { Db } from '../db/client.ts';

export interface WorkspaceSettings {
	/** New accounts wait as `pending` until an admin approves them. */
	requireApproval: boolean;
}

const DEFAULTS: WorkspaceSettings = { requireApproval: false };

/** Workspace settings that admins change at run time, stored as JSON values by key. */
export class SettingsService {
	readonly #db: Db;

	constructor(db: Db) {
		this.#db = db;
	}

	async get(): Promise<WorkspaceSettings> {
		const rows = await this.#db.setting.findMany();
		const stored = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
		return { ...DEFAULTS, ...stored } as WorkspaceSettings;
	}

	async update(changes: Partial<WorkspaceSettings>): Promise<WorkspaceSettings> {
		await this.#db.$transaction(
			Object.entries(changes).map(([key, value]) =>
				this.#db.setting.upsert({
					where: { key },
					create: { key, value: JSON.stringify(value) },
					update: { value: JSON.stringify(value) }
				})
			)
		);
		return this.get();
	}
}
