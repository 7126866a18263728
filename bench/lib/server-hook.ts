/**
 * The bench-only admin hook both server wrappers install, answering the orchestrator over IPC:
 * memory after forced full GCs (needs `node --expose-gc`), heap snapshots, CPU and event-loop time
 * (cheap, no GC, so it can be read around a latency measurement), and V8 CPU profiles.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import type { MemorySample, ServerReply, ServerRequest } from './ipc.ts';

/** Microseconds between CPU profile samples (V8's default; shorter costs the app noticeably). */
const PROFILE_INTERVAL_US = 1000;

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

let profiler: Session | undefined;

async function profile(message: Extract<ServerRequest, { type: 'profile' }>): Promise<void> {
	if (message.action === 'start') {
		profiler = new Session();
		profiler.connect();
		await profiler.post('Profiler.enable');
		await profiler.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
		await profiler.post('Profiler.start');
		reply({ type: 'profile', id: message.id });
		return;
	}
	if (!profiler) throw new Error('no profile running');
	const { profile: result } = await profiler.post('Profiler.stop');
	profiler.disconnect();
	profiler = undefined;
	writeFileSync(message.file, JSON.stringify(result));
	reply({ type: 'profile', id: message.id, file: message.file });
}

export function installServerHook(countClients: () => number): void {
	if (!process.send) throw new Error('this script must be spawned with an IPC channel');
	if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
	process.on('message', (message: ServerRequest) => {
		void (async () => {
			if (message.type === 'cpu') {
				const { user, system } = process.cpuUsage();
				const { active, idle } = performance.eventLoopUtilization();
				reply({ type: 'cpu', id: message.id, sample: { user, system, active, idle } });
			} else if (message.type === 'profile') {
				await profile(message);
			} else if (message.type === 'memory') {
				await collect();
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
				await collect();
				reply({ type: 'snapshot', id: message.id, file: writeHeapSnapshot(message.file) });
			}
		})();
	});
	// The orchestrator went away (crash, Ctrl-C): do not linger.
	process.on('disconnect', () => process.exit(0));
}
