import * as Y from 'yjs';
import { inspectChanges } from './content-check.ts';

export type TrialVerdict =
	| { ok: true; changed: boolean }
	/** `rate_limited`: the update could not be checked now (the server is busy); send it again. */
	| { ok: false; code: 'malformed_update' | 'out_of_sync' | 'rate_limited'; message: string };

/**
 * CPU time of this thread in ms: a busy machine (other processes, a GC pause elsewhere) must not
 * make a normal update look slow. Wall time where the runtime lacks it (Node < 23.9).
 */
function cpuMs(): number {
	if (!process.threadCpuUsage) return performance.now();
	const { user, system } = process.threadCpuUsage();
	return (user + system) / 1000;
}

/** The transaction origin of a trial, for anything that listens to the scratch document. */
export const TRIAL_ORIGIN = Symbol('trial');

/**
 * Applies an update to a scratch copy of a note (never the live document) and judges the result:
 * it must apply without throwing (Yjs half-applies an update whose structs refer to themselves or
 * to later structs, then throws), completely (nothing left waiting for missing changes), within
 * `budgetMs` of CPU time, and add only what the editor schema allows (`inspectChanges`). After a refusal the
 * copy holds part of the update or worse: throw it away.
 */
export function tryUpdate(doc: Y.Doc, update: Uint8Array, budgetMs: number): TrialVerdict {
	// Applying can run more transactions (Yjs tidies formatting in one of its own): from the state
	// before the first to the state after the last.
	let states: { before: Map<number, number>; after: Map<number, number> } | undefined;
	let deleted = false;
	const seen = (transaction: Y.Transaction) => {
		states = { before: states?.before ?? transaction.beforeState, after: transaction.afterState };
		deleted ||= transaction.deleteSet.clients.size > 0;
	};
	doc.on('afterTransactionCleanup', seen);
	const started = cpuMs();
	try {
		Y.applyUpdate(doc, update, TRIAL_ORIGIN);
	} catch {
		return malformed('The update could not be applied.');
	} finally {
		doc.off('afterTransactionCleanup', seen);
	}
	const ms = cpuMs() - started;
	if (doc.store.pendingStructs || doc.store.pendingDs) {
		return {
			ok: false,
			code: 'out_of_sync',
			message: 'The update depends on changes the server does not have.'
		};
	}
	if (ms > budgetMs) {
		return malformed(
			`The update took ${Math.round(ms)} ms to apply; a change may take at most ${budgetMs} ms.`
		);
	}
	if (!states) return { ok: true, changed: false };
	const { before, after } = states;
	const problem = inspectChanges(doc, before, after);
	if (problem) return malformed(problem);
	const grew = [...after].some(([client, clock]) => (before.get(client) ?? 0) !== clock);
	return { ok: true, changed: grew || deleted };
}

function malformed(message: string): TrialVerdict {
	return { ok: false, code: 'malformed_update', message };
}
