import { hostname } from 'node:os';
import type { Db, Prisma } from '../db/client.ts';

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

/** Why a holder no longer counts: its process on this host is gone, or it stopped renewing. */
export type StaleReason = 'dead' | 'expired';

type Tx = Prisma.TransactionClient;

/**
 * Runs in the transaction that takes a stale holder's lock over, so the holder's run is closed
 * exactly when (and only if) its lock changes hands.
 */
export type TakeOverHook = (tx: Tx, holder: LockHolder, reason: StaleReason) => Promise<void>;

export type Acquired =
	{ ok: true; lease: Lease; tookOver: LockHolder | null } | { ok: false; holder: LockHolder };

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
 * per instance in SyncLock. The holder renews it every `heartbeatMs`; a lock whose expiry passed
 * is stale, and so is one whose holder on this host is no longer running (a killed server or CLI),
 * so a restart does not wait for the expiry. A stale lock is taken over with a compare-and-swap on
 * its run id, and `onTakeOver` closes the dead holder's run in the same transaction.
 */
export class SyncLocks {
	readonly #db: Db;
	readonly #ttlMs: number;
	readonly #heartbeatMs: number;
	readonly #onTakeOver: TakeOverHook | undefined;

	constructor(
		db: Db,
		options: { ttlMs?: number; heartbeatMs?: number; onTakeOver?: TakeOverHook } = {}
	) {
		this.#db = db;
		this.#ttlMs = options.ttlMs ?? 60_000;
		this.#heartbeatMs = options.heartbeatMs ?? 15_000;
		this.#onTakeOver = options.onTakeOver;
	}

	/** Takes the instance's lock for `runId` (from a stale holder if need be), or tells who holds it. */
	async acquire(instanceId: string, runId: string, onLost: () => void): Promise<Acquired> {
		for (;;) {
			if (await this.#insert(instanceId, runId)) {
				return { ok: true, lease: this.#lease(instanceId, runId, onLost), tookOver: null };
			}
			const holder = await this.holder(instanceId, { includeStale: true });
			if (!holder) continue; // released in the meantime
			const reason = this.staleReason(holder);
			if (!reason) return { ok: false, holder };
			if (await this.#takeOver(instanceId, runId, holder, reason)) {
				return { ok: true, lease: this.#lease(instanceId, runId, onLost), tookOver: holder };
			}
			// Another process took it over first: look again.
		}
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
		return this.staleReason(holder) !== null;
	}

	staleReason(holder: LockHolder): StaleReason | null {
		if (holder.host === HOST && holder.pid !== process.pid && !pidAlive(holder.pid)) return 'dead';
		if (holder.expiresAt.getTime() < Date.now()) return 'expired';
		return null;
	}

	async #insert(instanceId: string, runId: string): Promise<boolean> {
		const now = Date.now();
		const count = await this.#db.$executeRaw`
			INSERT INTO "SyncLock" ("instanceId", "runId", "host", "pid", "heartbeatAt", "expiresAt")
			VALUES (${instanceId}, ${runId}, ${HOST}, ${process.pid}, ${now}, ${now + this.#ttlMs})
			ON CONFLICT ("instanceId") DO NOTHING`;
		return count === 1;
	}

	async #takeOver(
		instanceId: string,
		runId: string,
		holder: LockHolder,
		reason: StaleReason
	): Promise<boolean> {
		return this.#db.$transaction(async (tx) => {
			const now = Date.now();
			const count = await tx.$executeRaw`
				UPDATE "SyncLock" SET "runId" = ${runId}, "host" = ${HOST}, "pid" = ${process.pid},
					"heartbeatAt" = ${now}, "expiresAt" = ${now + this.#ttlMs}
				WHERE "instanceId" = ${instanceId} AND "runId" = ${holder.runId}`;
			if (count !== 1) return false;
			await this.#onTakeOver?.(tx, holder, reason);
			return true;
		});
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
