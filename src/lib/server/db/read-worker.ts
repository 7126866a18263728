/**
 * Runs inside a worker thread (see read-db.ts): the SQLite read connection. A 90-day report's
 * aggregates take tens of milliseconds of CPU; here they cost this thread, not the event loop that
 * delivers messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteReader } from './sqlite-reader.ts';

export interface ReadJob {
	id: number;
	text: string;
	values: unknown[];
}

export type ReadAnswer = { id: number; rows: unknown[] } | { id: number; error: string };

const reader = new SqliteReader((workerData as { file: string }).file);

parentPort?.on('message', (job: ReadJob) => {
	let answer: ReadAnswer;
	try {
		answer = { id: job.id, rows: reader.rows(job.text, job.values) };
	} catch (error) {
		answer = { id: job.id, error: error instanceof Error ? error.message : String(error) };
	}
	parentPort?.postMessage(answer);
});
