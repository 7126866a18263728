/**
 * Runs inside a worker thread (see wal-checkpoints.ts): copies the WAL's committed pages back into
 * the database file every few hundred milliseconds, on a connection of its own, so the server's
 * connection only appends to the WAL when it commits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerOptions {
	file: string;
	intervalMs: number;
}

const { file, intervalMs } = workerData as CheckpointWorkerOptions;
const db = new Database(file, { fileMustExist: true, timeout: 1000 });
// PASSIVE never waits for the writer or readers; what it cannot copy now waits for the next round.
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
	try {
		checkpoint.run();
	} catch (error) {
		parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
	}
}, intervalMs);

parentPort?.on('message', (message: 'stop') => {
	if (message !== 'stop') return;
	clearInterval(timer);
	db.close();
	parentPort?.close();
});
