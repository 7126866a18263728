import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { rooms } from '#lib/shared/events.ts';
import type { RunTrigger, SyncProgress, SyncRunDto } from '#lib/shared/sync.ts';
import { toRunDto } from './dto.ts';
import { SyncJob, type SyncLimits } from './job.ts';
import { SyncLocks, type LockHolder, type StaleReason } from './lock.ts';
import type { RollupRefresher } from './rollup-hook.ts';
import type { SyncHttp } from './setup.ts';

export interface SyncDeps extends SyncHttp {
	db: Db;
	log: Logger;
	/** Null in the CLI, which has no sockets. */
	bus: RealtimeBus | null;
	limits: SyncLimits;
	refreshRollups: RollupRefresher;
}

export interface StartedRun {
	run: SyncRunDto;
	/** Settles (never rejects) when the run has ended and its record is saved. */
	done: Promise<SyncRunDto>;
}

/** Listens to a run's progress (the CLI's progress bar). */
export type ProgressListener = (progress: SyncProgress) => void;

interface Active {
	job: SyncJob;
	runId: string;
	done: Promise<SyncRunDto>;
}

/**
 * Starts, stops and records sync runs. One run per instance at a time, across processes (a lock
 * row); progress goes to the `admin` room as `sync:progress`, and `sync:run` when a run starts and
 * ends. The scheduler, the admin API and the CLI all start runs here.
 */
export class SyncService {
	readonly locks: SyncLocks;
	readonly #deps: SyncDeps;
	readonly #active = new Map<string, Active>();

	constructor(deps: SyncDeps) {
		this.#deps = deps;
		this.locks = new SyncLocks(deps.db, {
			onTakeOver: async (tx, holder, reason) => {
				await tx.syncRun.updateMany({
					where: { id: holder.runId, status: 'running' },
					data: {
						status: 'interrupted',
						finishedAt: holder.heartbeatAt,
						error: interruptedError(holder, reason)
					}
				});
			}
		});
	}

	/** Whether this process is running a sync of the instance. */
	isRunningHere(instanceId: string): boolean {
		return this.#active.has(instanceId);
	}

	/** The live progress of this process's run of an instance, if any. */
	progress(instanceId: string): SyncProgress | null {
		return this.#active.get(instanceId)?.job.progress.snapshot() ?? null;
	}

	/**
	 * Starts a run in the background once the instance's lock is taken. Throws `conflict` when a
	 * run of this instance is under way anywhere.
	 */
	async start(
		instanceId: string,
		options: { trigger: RunTrigger; full?: boolean; onProgress?: ProgressListener }
	): Promise<StartedRun> {
		const { db, log } = this.#deps;
		const instance = await db.instance.findUnique({ where: { id: instanceId } });
		if (!instance) throw new AppError('not_found', 'No such instance.');
		if (this.#active.has(instanceId)) throw busy(instance.name);
		const runId = randomUUID();
		const holder: { job?: SyncJob } = {};
		const taken = await this.locks.acquire(instanceId, runId, () => holder.job?.stop('lock_lost'));
		if (!taken.ok) throw busy(instance.name, taken.holder);
		if (taken.tookOver) await this.#announceInterrupted(taken.tookOver);
		const startedAt = new Date();
		const full = options.full ?? false;
		let row;
		try {
			row = await db.syncRun.create({
				data: { id: runId, instanceId, trigger: options.trigger, full, startedAt }
			});
			await db.instance.update({
				where: { id: instanceId },
				data: {
					nextSyncAt: instance.scheduled
						? new Date(startedAt.getTime() + instance.intervalMinutes * 60_000)
						: null
				}
			});
		} catch (error) {
			await taken.lease.release().catch(() => undefined);
			throw error;
		}
		const run = toRunDto(row);
		this.#deps.bus?.emit(rooms.admin, 'sync:run', run);
		log.info({ instanceId, runId, trigger: options.trigger, full }, 'sync run started');
		const { secrets, http } = this.#deps;
		const job = new SyncJob(
			{ db, log, limits: this.#deps.limits, refreshRollups: this.#deps.refreshRollups, http },
			{
				id: instance.id,
				name: instance.name,
				baseUrl: instance.baseUrl,
				concurrency: instance.concurrency,
				requestsPerSecond: instance.requestsPerSecond,
				openKey: () => secrets.open('instance.apiKey', instance.id, instance.apiKey)
			},
			{ id: runId, startedAt, full },
			(progress) => {
				this.#deps.bus?.emit(rooms.admin, 'sync:progress', progress);
				options.onProgress?.(progress);
			}
		);
		holder.job = job;
		const done = this.#finish(job, taken.lease, run);
		this.#active.set(instanceId, { job, runId, done });
		return { run, done };
	}

	/** Stops this process's run of an instance (recorded as cancelled). */
	async cancel(instanceId: string): Promise<SyncRunDto> {
		const active = this.#active.get(instanceId);
		if (!active) {
			const holder = await this.locks.holder(instanceId);
			if (holder) {
				throw new AppError(
					'conflict',
					`That run belongs to another process (pid ${holder.pid} on ${holder.host}); stop it there.`
				);
			}
			throw new AppError('not_found', 'No sync of this instance is running.');
		}
		active.job.stop('cancelled');
		return active.done;
	}

	/** Stops every run of this process and waits for their records (graceful shutdown). */
	async stopAll(): Promise<void> {
		const running = [...this.#active.values()];
		for (const { job } of running) job.stop('shutdown');
		await Promise.all(running.map((a) => a.done));
	}

	/** Runs of an instance, newest first. */
	async runs(instanceId: string, limit = 20): Promise<SyncRunDto[]> {
		const rows = await this.#deps.db.syncRun.findMany({
			where: { instanceId },
			orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
			take: Math.min(Math.max(1, limit), 200)
		});
		return rows.map(toRunDto);
	}

	/**
	 * Marks runs recorded as running whose process is gone (a crash, SIGKILL) as interrupted, and
	 * frees their locks. Called at start-up by the server and the CLI.
	 */
	async recoverInterrupted(): Promise<number> {
		const { db } = this.#deps;
		const running = await db.syncRun.findMany({ where: { status: 'running' } });
		let recovered = 0;
		for (const run of running) {
			if (this.#active.get(run.instanceId)?.runId === run.id) continue;
			const holder = await this.locks.holder(run.instanceId, { includeStale: true });
			const own = holder?.runId === run.id ? holder : null;
			const reason = own ? this.locks.staleReason(own) : 'dead';
			if (!reason) continue;
			await db.syncRun.update({
				where: { id: run.id },
				data: {
					status: 'interrupted',
					finishedAt: own?.heartbeatAt ?? new Date(),
					error: interruptedError(own, reason)
				}
			});
			if (own) {
				await db.syncLock.deleteMany({ where: { instanceId: run.instanceId, runId: run.id } });
			}
			recovered++;
		}
		return recovered;
	}

	/** Tells admins' pages that a dead process's run, whose lock was just taken over, has ended. */
	async #announceInterrupted(holder: LockHolder): Promise<void> {
		const { db, log, bus } = this.#deps;
		const row = await db.syncRun.findUnique({ where: { id: holder.runId } });
		if (!row) return;
		log.warn(
			{ instanceId: row.instanceId, runId: row.id, pid: holder.pid, host: holder.host },
			'took over the sync lock of a dead run; recorded it as interrupted'
		);
		bus?.emit(rooms.admin, 'sync:run', toRunDto(row));
	}

	async #finish(
		job: SyncJob,
		lease: { release(): Promise<void> },
		run: SyncRunDto
	): Promise<SyncRunDto> {
		const { db, log, bus } = this.#deps;
		try {
			const outcome = await job.execute();
			const { progress } = outcome;
			const row = await db.syncRun.update({
				where: { id: run.id },
				data: {
					status: outcome.status,
					finishedAt: new Date(),
					counts: JSON.stringify(progress.counts()),
					errors: JSON.stringify(progress.issues),
					errorCount: progress.issueCount,
					error: outcome.error,
					requests: progress.requests
				}
			});
			if (outcome.version) {
				await db.instance.update({
					where: { id: run.instanceId },
					data: { version: outcome.version }
				});
			}
			progress.close();
			bus?.emit(rooms.admin, 'sync:progress', progress.snapshot());
			const dto = toRunDto(row);
			bus?.emit(rooms.admin, 'sync:run', dto);
			log.info(
				{ instanceId: run.instanceId, runId: run.id, status: dto.status, ms: dto.durationMs },
				'sync run ended'
			);
			return dto;
		} catch (error) {
			log.error({ err: error, runId: run.id }, 'could not record the end of a sync run');
			return { ...run, status: 'failed', error: 'The run could not be recorded.' };
		} finally {
			this.#active.delete(run.instanceId);
			await lease.release().catch(() => undefined);
		}
	}
}

/** Why a run was left unfinished by its process (recorded on the run). */
function interruptedError(holder: LockHolder | null, reason: StaleReason): string {
	const who = holder ? ` (pid ${holder.pid} on ${holder.host})` : '';
	const what =
		reason === 'dead'
			? `The process running it${who} stopped (crash or kill)`
			: `The process running it${who} stopped renewing its lock for over a minute`;
	return `${what}; the next run resumes from here.`;
}

function busy(name: string, holder?: LockHolder): AppError {
	const where = holder ? ` (by process ${holder.pid} on ${holder.host})` : '';
	return new AppError('conflict', `A sync of ${name} is already running${where}.`);
}
