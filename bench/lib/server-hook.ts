/**
 * The bench-only admin hook both server wrappers install: answers the orchestrator's memory
 * requests over IPC after forcing full garbage collections. Needs `node --expose-gc`.
 */
import { writeHeapSnapshot } from 'node:v8';
import type { MemorySample, ServerReply, ServerRequest } from './ipc.ts';

/** Several full GCs with turns of the event loop between them, so finalizers and weak refs settle. */
async function collect(): Promise<void> {
	if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
	for (let i = 0; i < 4; i++) {
		gc({ type: 'major', execution: 'sync' });
		await new Promise((resolve) => setImmediate(resolve));
	}
}

function reply(message: ServerReply): void {
	process.send?.(message);
}

export function installServerHook(countClients: () => number): void {
	if (!process.send) throw new Error('this script must be spawned with an IPC channel');
	if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
	process.on('message', (message: ServerRequest) => {
		void (async () => {
			await collect();
			if (message.type === 'memory') {
				const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
				const sample: MemorySample = {
					heapUsed,
					heapTotal,
					rss,
					external,
					arrayBuffers,
					clients: countClients()
				};
				reply({ type: 'memory', id: message.id, sample });
			} else if (message.type === 'snapshot') {
				reply({ type: 'snapshot', id: message.id, file: writeHeapSnapshot(message.file) });
			}
		})();
	});
	// The orchestrator went away (crash, Ctrl-C): do not linger.
	process.on('disconnect', () => process.exit(0));
}
