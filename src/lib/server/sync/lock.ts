import { hostname } from 'node:os';
import type { Db } from '../db/client.ts';

export interface LockHolder {
	runId: string;
	host: string;
	pid: number;
	heartbeatAt: Date;
	expiresAt: Date;
}

/** A held lock: renewed in the background until released. */
export interface Lease {
	release(): Promise<void>;
}

const HOST = hostname();

/** Whether a process of this host is still running. */
function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * One run per instance across every process that opens the database (the server, the CLI): a row
 * per instance in SyncLock, taken with one atomic upsert. The holder renews it every
 * `heartbeatMs`; a lock whose expiry passed is free, and so is one whose holder on this host is no
 * longer running (a killed server or CLI), so a restart does not wait for the expiry.
 */
export class SyncLocks {
	readonly #db: Db;
	readonly #ttlMs: number;
	readonly #heartbeatMs: number;

	constructor(db: Db, options: { ttlMs?: number; heartbeatMs?: number } = {}) {
		this.#db = db;
		this.#ttlMs = options.ttlMs ?? 60_000;
		this.#heartbeatMs = options.heartbeatMs ?? 15_000;
	}

	/** Takes the instance's lock for `runId`, or tells who holds it. */
	async acquire(
		instanceId: string,
		runId: string,
		onLost: () => void
	): Promise<{ ok: true; lease: Lease } | { ok: false; holder: LockHolder }> {
		const now = Date.now();
		if (await this.#take(instanceId, runId, now, { expiredBefore: now })) {
			return { ok: true, lease: this.#lease(instanceId, runId, onLost) };
		}
		const holder = await this.holder(instanceId, { includeStale: true });
		if (holder && this.isStale(holder)) {
			if (await this.#take(instanceId, runId, now, { heldBy: holder.runId })) {
				return { ok: true, lease: this.#lease(instanceId, runId, onLost) };
			}
		}
		const current = await this.holder(instanceId, { includeStale: true });
		if (!current) return this.acquire(instanceId, runId, onLost);
		return { ok: false, holder: current };
	}

	/** The lock's holder; by default only a live one. */
	async holder(
		instanceId: string,
		options: { includeStale?: boolean } = {}
	): Promise<LockHolder | null> {
		const row = await this.#db.syncLock.findUnique({ where: { instanceId } });
		if (!row) return null;
		const holder = {
			runId: row.runId,
			host: row.host,
			pid: row.pid,
			heartbeatAt: new Date(Number(row.heartbeatAt)),
			expiresAt: new Date(Number(row.expiresAt))
		};
		return options.includeStale || !this.isStale(holder) ? holder : null;
	}

	/** Expired, or held by a process of this host that has died. */
	isStale(holder: LockHolder): boolean {
		if (holder.expiresAt.getTime() < Date.now()) return true;
		return holder.host === HOST && holder.pid !== process.pid && !pidAlive(holder.pid);
	}

	async #take(
		instanceId: string,
		runId: string,
		now: number,
		condition: { expiredBefore: number } | { heldBy: string }
	): Promise<boolean> {
		const expires = now + this.#ttlMs;
		const count =
			'expiredBefore' in condition
				? await this.#db.$executeRaw`
					INSERT INTO "SyncLock" ("instanceId", "runId", "host", "pid", "heartbeatAt", "expiresAt")
					VALUES (${instanceId}, ${runId}, ${HOST}, ${process.pid}, ${now}, ${expires})
					ON CONFLICT ("instanceId") DO UPDATE SET "runId" = excluded."runId",
						"host" = excluded."host", "pid" = excluded."pid",
						"heartbeatAt" = excluded."heartbeatAt", "expiresAt" = excluded."expiresAt"
					WHERE "SyncLock"."expiresAt" < ${condition.expiredBefore}`
				: await this.#db.$executeRaw`
					UPDATE "SyncLock" SET "runId" = ${runId}, "host" = ${HOST}, "pid" = ${process.pid},
						"heartbeatAt" = ${now}, "expiresAt" = ${expires}
					WHERE "instanceId" = ${instanceId} AND "runId" = ${condition.heldBy}`;
		return count === 1;
	}

	#lease(instanceId: string, runId: string, onLost: () => void): Lease {
		const beat = setInterval(() => {
			const now = Date.now();
			this.#db.syncLock
				.updateMany({
					where: { instanceId, runId },
					data: { heartbeatAt: BigInt(now), expiresAt: BigInt(now + this.#ttlMs) }
				})
				.then(({ count }) => {
					if (count === 0) {
						clearInterval(beat);
						onLost();
					}
				})
				.catch(() => {
					/* the next beat retries; the lock expires only after several misses */
				});
		}, this.#heartbeatMs);
		beat.unref();
		return {
			release: async () => {
				clearInterval(beat);
				await this.#db.syncLock.deleteMany({ where: { instanceId, runId } });
			}
		};
	}
}
