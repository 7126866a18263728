import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.ts';
import type { Db } from './client.ts';
import type { CheckpointWorkerOptions } from './wal-checkpoint-worker.ts';

/** SQLite's own threshold, in pages, for the connection that commits to check-point itself. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
const INTERVAL_MS = 200;

export interface WalCheckpoints {
	stop(): Promise<void>;
}

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection whose commit takes
 * the WAL past 1,000 pages copies them into the database file and syncs it, inside that commit:
 * on the server that is a channel send stalled for milliseconds every hundred or so messages. The
 * server's connection stops check-pointing and a worker thread does it on a timer; if the worker
 * fails, the connection takes the job back, so the WAL never grows without bound.
 */
export async function startWalCheckpoints(
	db: Db,
	file: string,
	log: Logger
): Promise<WalCheckpoints> {
	const worker = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url), {
		workerData: { file, intervalMs: INTERVAL_MS } satisfies CheckpointWorkerOptions
	});
	worker.unref();
	let stopped = false;
	const takeBack = async (reason: string) => {
		if (stopped) return;
		stopped = true;
		log.warn({ reason }, 'WAL checkpoints are back on the server connection');
		await db
			.$queryRawUnsafe(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`)
			.catch(() => {});
	};
	worker.on('message', (message: { error?: string }) => {
		if (message.error) log.warn({ error: message.error }, 'WAL checkpoint failed');
	});
	worker.on('error', (error) => void takeBack(error.message));
	worker.on('exit', (code) => void takeBack(`the checkpoint worker exited (${code})`));
	await db.$queryRawUnsafe('PRAGMA wal_autocheckpoint = 0');
	return {
		async stop() {
			if (stopped) return;
			stopped = true;
			await db.$queryRawUnsafe(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
			const exited = new Promise((resolve) => worker.once('exit', resolve));
			// Unreferenced, the worker would not keep a process that has nothing else left to do (a
			// CLI command closing its App) alive until it exits: Node would end with the wait unsettled.
			worker.ref();
			worker.postMessage('stop');
			await exited;
		}
	};
}
