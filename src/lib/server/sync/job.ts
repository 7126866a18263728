import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { SecretKeyError } from '../secrets/keys.ts';
import type { RunStatus, SyncEntity, SyncProgress } from '#lib/shared/sync.ts';
import { checkConnection, ConnectionError } from './connection.ts';
import {
	BREAKER_LIMIT,
	describe,
	FatalSyncError,
	isFatal,
	isOutage,
	type JobContext
} from './job-context.ts';
import { OpenWebUIClient, RemoteError } from './owui-client.ts';
import { syncChats } from './phase-chats.ts';
import { syncItems } from './phase-items.ts';
import { syncUsers } from './phase-users.ts';
import { RunProgress } from './progress.ts';
import type { RollupRefresher } from './rollup-hook.ts';
import type { SyncHttp } from './setup.ts';
import { Watermarks } from './watermarks.ts';

/** Limits every run shares (from the environment). */
export interface SyncLimits {
	timeoutMs: number;
	maxRetries: number;
	retryBaseMs: number;
	maxResponseBytes: number;
}

export interface JobInstance {
	id: string;
	name: string;
	baseUrl: string;
	/** Decrypts the stored API key (a SecretKeyError fails the run with its reason). */
	openKey(): Promise<string>;
	concurrency: number;
	requestsPerSecond: number;
}

export interface JobOutcome {
	status: RunStatus;
	error: string | null;
	progress: RunProgress;
	version: string | null;
	days: string[];
}

/** Why a run was stopped from outside, as the abort reason. */
export type StopReason = 'cancelled' | 'shutdown' | 'lock_lost';

const STOPPED: Record<StopReason, { status: RunStatus; error: string }> = {
	cancelled: { status: 'cancelled', error: 'Stopped by an admin.' },
	shutdown: {
		status: 'interrupted',
		error: 'Parley stopped during the run; the next run resumes.'
	},
	lock_lost: {
		status: 'failed',
		error: 'The run lost its lock (it stalled for over a minute) and stopped.'
	}
};

/**
 * One run of one instance: checks the connection, then users → chats (and messages) → models →
 * knowledge → files → feedback. Item failures are recorded and skipped; failures that make the
 * instance unusable (key refused, unreachable, not the API) end the run. Every write is keyed by
 * remote id, so a run that dies half-way leaves consistent rows and the next one resumes.
 */
export class SyncJob {
	readonly progress: RunProgress;
	readonly #db: Db;
	readonly #log: Logger;
	readonly #instance: JobInstance;
	readonly #limits: SyncLimits;
	readonly #refresh: RollupRefresher;
	readonly #http: SyncHttp['http'];
	readonly #full: boolean;
	readonly #controller = new AbortController();
	#writes: Promise<unknown> = Promise.resolve();
	#outages = 0;
	#keyCheck: { at: number; promise: Promise<void> } | undefined;

	constructor(
		deps: {
			db: Db;
			log: Logger;
			limits: SyncLimits;
			refreshRollups: RollupRefresher;
			http: SyncHttp['http'];
		},
		instance: JobInstance,
		run: { id: string; startedAt: Date; full: boolean },
		onProgress: (progress: SyncProgress) => void
	) {
		this.#db = deps.db;
		this.#log = deps.log;
		this.#limits = deps.limits;
		this.#refresh = deps.refreshRollups;
		this.#http = deps.http;
		this.#instance = instance;
		this.#full = run.full;
		this.progress = new RunProgress({ ...run, instanceId: instance.id }, onProgress);
	}

	/** Stops the run soon: requests are aborted and no new work starts. */
	stop(reason: StopReason): void {
		this.#controller.abort(reason);
	}

	async execute(): Promise<JobOutcome> {
		const { progress } = this;
		const signal = this.#controller.signal;
		const startedAt = progress.startedAt;
		let apiKey: string;
		try {
			apiKey = await this.#instance.openKey();
		} catch (failure) {
			if (!(failure instanceof SecretKeyError)) throw failure;
			for (const entity of Object.values(progress.entities)) entity.state = 'skipped';
			progress.status = 'failed';
			return { status: 'failed', error: failure.message, progress, version: null, days: [] };
		}
		const redact = (text: string) => this.#http.redactor.redact(text, [apiKey]);
		const client = this.#client(signal, apiKey);
		const marks = await Watermarks.load(this.#db, this.#instance.id);
		const ctx: JobContext = {
			db: this.#db,
			log: this.#log,
			instance: { id: this.#instance.id, name: this.#instance.name },
			client,
			progress,
			marks,
			full: this.#full,
			nowS: startedAt.getTime() / 1000,
			startedAt,
			days: new Set(),
			signal,
			parallel: this.#instance.concurrency * 2,
			write: (task) => this.#write(task),
			fail: (entity, error, remoteId) => this.#fail(entity, error, redact, remoteId),
			confirmKey: () => this.#confirmKey(client)
		};
		let version: string | null = null;
		let status: RunStatus;
		let error: string | null = null;
		try {
			version = (await checkConnection(client, this.#instance.baseUrl)).version;
			const userIds = await syncUsers(ctx);
			await syncChats(ctx, userIds);
			for (const entity of ['models', 'knowledge', 'files', 'feedback'] as const) {
				signal.throwIfAborted();
				await syncItems(ctx, entity);
			}
			status = progress.errorCount ? 'partial' : 'succeeded';
		} catch (failure) {
			if (signal.aborted) {
				({ status, error } = STOPPED[signal.reason as StopReason] ?? STOPPED.cancelled);
			} else {
				status = 'failed';
				error = redact(failure instanceof ConnectionError ? failure.message : describe(failure));
				if (!(failure instanceof FatalSyncError) && !(failure instanceof ConnectionError)) {
					this.#log.error({ err: failure, instanceId: this.#instance.id }, 'sync run failed');
				}
			}
			for (const entity of Object.keys(progress.entities) as SyncEntity[]) {
				const state = progress.entities[entity].state;
				if (state === 'running' || state === 'pending') {
					progress.entities[entity].state = state === 'running' ? 'failed' : 'skipped';
				}
			}
		}
		await this.#writes.catch(() => undefined);
		progress.requests = client.requests;
		const days = [...ctx.days].sort();
		try {
			if (days.length) await this.#refresh(this.#instance.id, days);
		} catch (failure) {
			this.#log.error({ err: failure, instanceId: this.#instance.id }, 'rollup refresh failed');
			progress.issue({
				entity: 'run',
				message: redact(`Refreshing the usage rollups failed: ${describe(failure)}`)
			});
		}
		progress.status = status;
		return { status, error, progress, version, days };
	}

	#client(signal: AbortSignal, apiKey: string): OpenWebUIClient {
		return new OpenWebUIClient({
			outbound: this.#http.outbound,
			redact: (text, extra) => this.#http.redactor.redact(text, extra),
			baseUrl: this.#instance.baseUrl,
			apiKey,
			concurrency: this.#instance.concurrency,
			requestsPerSecond: this.#instance.requestsPerSecond,
			...this.#limits,
			signal,
			onRequest: () => {
				this.progress.requests++;
			}
		});
	}

	/** Database writes of one run go one at a time, in order. */
	#write<T>(task: () => Promise<T>): Promise<T> {
		const next = this.#writes.then(task, task);
		this.#writes = next.catch(() => undefined);
		return next;
	}

	#fail(
		entity: SyncEntity,
		error: unknown,
		redact: (text: string) => string,
		remoteId?: string
	): void {
		if (this.#controller.signal.aborted) throw error;
		if (isFatal(error)) {
			throw error instanceof FatalSyncError
				? error
				: new FatalSyncError(describe(error), { cause: error });
		}
		if (isOutage(error)) {
			if (++this.#outages >= BREAKER_LIMIT) {
				throw new FatalSyncError(
					`The instance stopped answering properly (${BREAKER_LIMIT} failures in a row); the run stopped. Last: ${redact(describe(error))}`
				);
			}
		} else {
			this.#outages = 0;
		}
		this.progress.count(entity, { failed: 1 });
		this.progress.issue({
			entity,
			...(remoteId && { remoteId: redact(remoteId) }),
			message: redact(describe(error))
		});
	}

	/** One check of the key at a time, reused for a few seconds. */
	#confirmKey(client: OpenWebUIClient): Promise<void> {
		const now = Date.now();
		if (!this.#keyCheck || now - this.#keyCheck.at > 5000) {
			const promise = client.get('/api/v1/auths/').then(
				() => undefined,
				(error: unknown) => {
					if (error instanceof RemoteError && error.failure === 'unauthorized') {
						throw new FatalSyncError(
							'Open WebUI stopped accepting the API key during the run (401). Check the key.'
						);
					}
					throw error;
				}
			);
			this.#keyCheck = { at: now, promise };
		}
		return this.#keyCheck.promise;
	}
}
