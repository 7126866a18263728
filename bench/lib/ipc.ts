/**
 * The one protocol between a bench orchestrator and every process it spawns (servers with the
 * probe, client workers, fakes), over Node's IPC channel: the orchestrator calls a named method
 * with arguments and gets its result or its error back; the child says `ready` once, with what the
 * orchestrator needs to know (a port, seeded counts). Each child describes its methods as a plain
 * object (its `Api`); the orchestrator calls them through `Remote<Api>` (bench/lib/processes.ts).
 */
import { performance } from 'node:perf_hooks';

/** A process's methods; arguments and results must survive Node's IPC serialization. */
// `never[]` accepts every parameter list (function parameters are contravariant).
export type Api = Record<string, (...args: never[]) => unknown>;

/** The orchestrator's view of an `Api`: every method answers asynchronously. */
export type Remote<A extends Api> = {
	[K in keyof A]: (...args: Parameters<A[K]>) => Promise<Awaited<ReturnType<A[K]>>>;
};

export type ToChild = { bench: 'call'; id: number; method: string; args: unknown[] };
export type FromChild =
	| { bench: 'ready'; info: unknown }
	| { bench: 'result'; id: number; value: unknown }
	| { bench: 'error'; id: number; message: string };

/** Cumulative CPU and event-loop time of a process; subtract two to get a phase's share. */
export interface CpuSample {
	/** `process.cpuUsage()`, microseconds (all threads, so libuv's pool and Argon2 count too). */
	user: number;
	system: number;
	/** `performance.eventLoopUtilization()`: milliseconds the main thread was busy / idle. */
	active: number;
	idle: number;
	/** When it was taken (bench/lib/latency.ts `now`). */
	at: number;
}

export function cpuSample(): CpuSample {
	const { user, system } = process.cpuUsage();
	const { active, idle } = performance.eventLoopUtilization();
	return { user, system, active, idle, at: performance.timeOrigin + performance.now() };
}

function send(message: FromChild): void {
	process.send?.(message);
}

/** The child's side, for `handlers` registered later (the probe's, once it knows its port). */
export function answer(handlers: Api): void {
	if (!process.send) throw new Error('this script must be spawned with an IPC channel');
	process.on('message', (message: ToChild) => {
		if (message?.bench !== 'call') return;
		const handler = handlers[message.method] as ((...args: unknown[]) => unknown) | undefined;
		void (async () => {
			try {
				if (!handler) throw new Error(`no method ${message.method}`);
				send({ bench: 'result', id: message.id, value: await handler(...message.args) });
			} catch (error) {
				const text = error instanceof Error ? error.message : String(error);
				send({ bench: 'error', id: message.id, message: text });
			}
		})();
	});
	// The orchestrator went away (crash, Ctrl-C): do not linger.
	process.on('disconnect', () => process.exit(0));
}

export function ready(info: unknown = null): void {
	send({ bench: 'ready', info });
}

/**
 * A worker's whole side: answers `api`, says ready with `info`, and on SIGTERM (the orchestrator's
 * stop) runs `onStop` (closing its sockets, say) before it exits.
 */
export function serve(api: Api, info: unknown = null, onStop?: () => Promise<void> | void): void {
	answer(api);
	process.on('SIGTERM', () => {
		void Promise.resolve(onStop?.()).finally(() => process.exit(0));
	});
	ready(info);
}
