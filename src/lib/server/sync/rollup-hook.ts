import type { Db } from '../db/client.ts';

/**
 * The seam between instance sync and the usage dashboard's read model. After every run (whatever
 * its outcome) sync calls it once with the instance and the UTC days ("YYYY-MM-DD", sorted, no
 * duplicates) whose imported `UsageRecord` or `InstanceMessage` rows were added, changed or
 * soft-deleted, so the dashboard can recompute its rollups for exactly those (instance, day) pairs.
 * A failure is logged and noted on the run; the imported rows stay committed either way.
 */
export type RollupRefresher = (instanceId: string, days: string[]) => Promise<void>;

/** Does nothing: the default until the usage dashboard provides its refresher. */
export const noopRollupRefresher: RollupRefresher = async () => {};

/**
 * The refresher the App and the CLI use: the one place to wire the usage dashboard in, e.g.
 * `(instanceId, days) => refreshUsageRollups(db, instanceId, days)`.
 */
export function createRollupRefresher(db: Db): RollupRefresher {
	void db;
	return noopRollupRefresher;
}
