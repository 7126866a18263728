import type { ReadDb } from '../db/read-db.ts';
import { q } from '../db/sql.ts';

/** The instance id of this Parley's own usage. */
export const LOCAL_INSTANCE = 'local';
export const LOCAL_INSTANCE_NAME = 'This Parley';

/** Display names of the instances: this Parley, and each Open WebUI instance by its name. */
export async function instanceNames(db: ReadDb): Promise<Map<string, string>> {
	const names = new Map([[LOCAL_INSTANCE, LOCAL_INSTANCE_NAME]]);
	for (const row of await db.all<{ id: string; name: string }>(
		q`SELECT id, name FROM "Instance"`
	)) {
		names.set(row.id, row.name);
	}
	return names;
}
