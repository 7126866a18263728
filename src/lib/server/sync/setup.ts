import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { OutboundClient } from '../outbound/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import type { SecretRedactor } from '../secrets/redactor.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { InstanceService } from './instance.service.ts';
import type { SyncLimits } from './job.ts';
import { createRollupRefresher } from './rollup-hook.ts';
import { SyncScheduler } from './scheduler.ts';
import { SyncService } from './sync.service.ts';

export function syncLimits(config: Config): SyncLimits {
	return {
		timeoutMs: config.SYNC_REQUEST_TIMEOUT_MS,
		maxRetries: config.SYNC_MAX_RETRIES,
		retryBaseMs: config.SYNC_RETRY_BASE_MS,
		maxResponseBytes: config.SYNC_MAX_RESPONSE_BYTES
	};
}

/** How sync reaches instances: the outbound guard, the stored keys, the redactor. */
export interface SyncHttp {
	http: { outbound: OutboundClient; redactor: SecretRedactor };
	secrets: SecretStore;
}

/** The sync services, wired the same way for the server (with a bus) and the CLI (without). */
export function createSyncServices(
	deps: {
		db: Db;
		log: Logger;
		bus: RealtimeBus | null;
		config: Config;
	} & SyncHttp
) {
	const { db, log, bus, config, http, secrets } = deps;
	const refreshRollups = createRollupRefresher(config.database);
	const sync = new SyncService({
		db,
		log,
		bus,
		limits: syncLimits(config),
		refreshRollups,
		http,
		secrets
	});
	const instances = new InstanceService({ db, sync, refreshRollups, log, http, secrets });
	const scheduler = new SyncScheduler({ db, sync, log, tickMs: config.SYNC_SCHEDULER_TICK_MS });
	return { sync, instances, scheduler };
}
