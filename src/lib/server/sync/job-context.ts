import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { SyncEntity } from '#lib/shared/sync.ts';
import { RemoteError, type OpenWebUIClient } from './owui-client.ts';
import type { RunProgress } from './progress.ts';
import { ShapeError } from './remote.ts';
import type { InstanceRef } from './store-chats.ts';
import type { Watermarks } from './watermarks.ts';

/** A failure that ends the whole run (the rest could not go well either). */
export class FatalSyncError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'FatalSyncError';
	}
}

/** What every phase of a run works with. */
export interface JobContext {
	db: Db;
	log: Logger;
	instance: InstanceRef;
	client: OpenWebUIClient;
	progress: RunProgress;
	marks: Watermarks;
	/** Re-read everything instead of what changed since the watermarks. */
	full: boolean;
	/** The run's start, in epoch seconds: the cap for watermarks and timestamps. */
	nowS: number;
	startedAt: Date;
	/** UTC days whose imported usage or messages changed, for the rollup refresh. */
	days: Set<string>;
	signal: AbortSignal;
	/** Tasks in flight per phase (HTTP is bounded again by the client's limiter). */
	parallel: number;
	/** Runs database writes of this run one at a time. */
	write<T>(task: () => Promise<T>): Promise<T>;
	/**
	 * Records a failed item or entity and lets the run go on, unless the failure means the instance
	 * cannot be used any more (key refused, gone, not the API): then throws a FatalSyncError.
	 */
	fail(entity: SyncEntity, error: unknown, remoteId?: string): void;
	/** After a 401 on one item: confirms the key still works (else throws a FatalSyncError). */
	confirmKey(): Promise<void>;
}

/** Failures of a request that mean the instance as a whole is unusable for this run. */
const FATAL = new Set([
	'unauthorized',
	'forbidden',
	'not_api',
	'unreachable',
	'blocked',
	'cancelled'
]);

/** Consecutive timeouts or server errors (after retries) after which the run stops. */
export const BREAKER_LIMIT = 3;

export function isFatal(error: unknown): boolean {
	return (
		error instanceof FatalSyncError || (error instanceof RemoteError && FATAL.has(error.failure))
	);
}

/** Whether a failure counts toward the "instance stopped answering" breaker. */
export function isOutage(error: unknown): boolean {
	return (
		error instanceof RemoteError &&
		(error.failure === 'timeout' || error.failure === 'server_error')
	);
}

/** A one-line description of any failure, for the run record. */
export function describe(error: unknown): string {
	if (error instanceof RemoteError || error instanceof ShapeError) return error.message;
	if (error instanceof FatalSyncError) return error.message;
	if (error instanceof Error) return `Internal error: ${error.message}`;
	return `Internal error: ${String(error)}`;
}
