/**
 * Runs inside a worker thread (see `update-worker-client.ts`): checks a large update against a
 * copy of its note built from the note's encoded state. Here a crafted update that makes Yjs loop
 * (yjs #687) or grind through a quadratic integration only costs this thread, which the server
 * terminates when it takes too long.
 */
import { parentPort } from 'node:worker_threads';
import * as Y from 'yjs';
import { tryUpdate, type TrialVerdict } from './trial.ts';
import { checkUpdate } from './update-check.ts';

export interface TrialJob {
	id: number;
	/** The note's state as `Y.encodeStateAsUpdate` wrote it. */
	state: Uint8Array;
	update: Uint8Array;
	budgetMs: number;
}

export interface TrialAnswer {
	id: number;
	verdict: TrialVerdict;
}

function judge({ state, update, budgetMs }: TrialJob): TrialVerdict {
	const doc = new Y.Doc();
	try {
		Y.applyUpdate(doc, state);
		const checked = checkUpdate(doc, update);
		if (!checked.ok) return checked;
		return tryUpdate(doc, update, budgetMs);
	} finally {
		doc.destroy();
	}
}

parentPort?.on('message', (job: TrialJob) => {
	const answer: TrialAnswer = { id: job.id, verdict: judge(job) };
	parentPort?.postMessage(answer);
});
