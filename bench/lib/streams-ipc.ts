/**
 * Messages between bench/streams.ts and its child processes (Node's IPC channel). Times are
 * `performance.timeOrigin + performance.now()` in milliseconds, comparable across processes on one
 * machine.
 */

/** What a process reports when asked: CPU time so far and, for the app, its database writes. */
export interface ProcessStats {
	/** process.cpuUsage(), microseconds. */
	cpu: NodeJS.CpuUsage;
	/** When the sample was taken. */
	at: number;
	/** App only: UPDATE statements on ChatMessage prepared (= executed) so far. */
	messageUpdates?: number;
	/** App only: every INSERT, UPDATE or DELETE so far. */
	writes?: number;
	/** App only: answers streaming right now. */
	activeStreams?: number;
	/** App only: event-loop delay since the previous sample (ms), from monitorEventLoopDelay. */
	loopDelay?: { p50: number; p99: number; max: number };
	/** App only: time spent inside SQLite statement calls so far (ms), the longest one since the
	 * previous sample, and how many took over 10 ms so far. */
	sqlite?: { totalMs: number; maxMs: number; slow: number };
	/** App only: garbage-collection pauses so far (ms) and the longest since the previous sample. */
	gc?: { totalMs: number; maxMs: number };
}

export type StatsRequest = { type: 'stats'; id: number };
/** App only: start or stop a V8 CPU profile; `stop` writes it to `file` and answers `profiled`. */
export type ProfileRequest =
	{ type: 'profile-start' } | { type: 'profile-stop'; id: number; file: string };
export type ProfileReply = { type: 'profiled'; id: number; file: string };
export type StatsReply = { type: 'stats'; id: number; stats: ProcessStats };

/** Latency percentiles of one set of deltas, in milliseconds. */
export interface Percentiles {
	count: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
}

export interface ClientUser {
	cookie: string;
}

/** Orchestrator → client process. */
export type ClientRequest =
	| StatsRequest
	| { type: 'connect'; appUrl: string; users: ClientUser[] }
	| {
			type: 'go';
			/** Streams to start over the socket, one per user, spread over `spreadMs`. */
			streams: number;
			/** Direct SSE streams from the fake provider (the baseline), started alike. */
			baseline: number;
			fakeUrl: string;
			tokens: number;
			delayMs: number;
			spreadMs: number;
			/** Only deltas written by the provider in [windowStart, windowEnd] count. */
			windowStart: number;
			windowEnd: number;
	  }
	| { type: 'close' };

/** Client process → orchestrator. */
export type ClientReply =
	| StatsReply
	| { type: 'connected'; sockets: number; failed: number; firstError: string | null; ms: number }
	| {
			type: 'done';
			app: Percentiles;
			baseline: Percentiles;
			/** Answers that did not end as done, and deltas that did not fit their offset. */
			failures: string[];
			gaps: number;
			/** Every delta received over the sockets in the phase (window or not). */
			deltas: number;
	  }
	| { type: 'error'; message: string };
