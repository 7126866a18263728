import type { Db } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SyncService } from './sync.service.ts';

/**
 * Starts scheduled runs: every `tickMs` it looks for instances whose `nextSyncAt` has come. A run
 * moves `nextSyncAt` one interval on when it starts; an instance busy elsewhere (the CLI) is tried
 * again on a later tick.
 */
export class SyncScheduler {
	readonly #db: Db;
	readonly #sync: SyncService;
	readonly #log: Logger;
	readonly #tickMs: number;
	#timer: NodeJS.Timeout | undefined;
	#ticking = false;

	constructor(deps: { db: Db; sync: SyncService; log: Logger; tickMs: number }) {
		this.#db = deps.db;
		this.#sync = deps.sync;
		this.#log = deps.log;
		this.#tickMs = deps.tickMs;
	}

	/** Starts ticking (a tick of 0 turns scheduled syncs off). */
	start(): void {
		if (this.#tickMs <= 0 || this.#timer) return;
		this.#timer = setInterval(() => void this.tick(), this.#tickMs);
		this.#timer.unref();
	}

	stop(): void {
		clearInterval(this.#timer);
		this.#timer = undefined;
	}

	/** Starts every run that is due; returns how many started. */
	async tick(): Promise<number> {
		if (this.#ticking) return 0;
		this.#ticking = true;
		let started = 0;
		try {
			const due = await this.#db.instance.findMany({
				where: { scheduled: true, nextSyncAt: { lte: new Date() } },
				select: { id: true, name: true }
			});
			for (const instance of due) {
				if (this.#sync.isRunningHere(instance.id)) continue;
				try {
					await this.#sync.start(instance.id, { trigger: 'schedule' });
					started++;
				} catch (error) {
					if (AppError.is(error) && error.code === 'conflict') {
						this.#log.debug({ instanceId: instance.id }, 'scheduled sync postponed: busy');
					} else {
						this.#log.error(
							{ err: error, instanceId: instance.id },
							'scheduled sync failed to start'
						);
					}
				}
			}
		} catch (error) {
			this.#log.error({ err: error }, 'sync scheduler tick failed');
		} finally {
			this.#ticking = false;
		}
		return started;
	}
}
