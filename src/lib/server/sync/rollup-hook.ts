import type { DatabaseTarget } from '../db/target.ts';
import { refreshInstanceDays } from '../usage/rebuild.ts';

/**
 * The seam between instance sync and the usage dashboard's read model. After every run (whatever
 * its outcome) sync calls it once with the instance and the UTC days ("YYYY-MM-DD", sorted, no
 * duplicates) whose imported `UsageRecord` or `InstanceMessage` rows were added, changed or
 * soft-deleted, so the dashboard recomputes its rollups for exactly those (instance, day) pairs.
 * A failure is logged and noted on the run; the imported rows stay committed either way, and
 * `parley usage rebuild` repairs the rollups.
 */
export type RollupRefresher = (instanceId: string, days: string[]) => Promise<void>;

/** The refresher the App and the CLI use: rebuilds those days in the database. */
export function createRollupRefresher(target: DatabaseTarget): RollupRefresher {
	return (instanceId, days) => refreshInstanceDays(target, instanceId, days);
}
