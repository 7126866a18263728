/**
 * Messages between the orchestrators (bench/connections.ts, bench/channels.ts) and their child
 * processes, over Node's IPC channel (`process.send` / `process.on('message')`).
 */

/** One reading of a server's `process.memoryUsage()`, taken right after forced full GCs. */
export interface MemorySample {
	heapUsed: number;
	heapTotal: number;
	rss: number;
	external: number;
	arrayBuffers: number;
	/** Engine.IO connections the server holds at that moment. */
	clients: number;
}

/** Cumulative CPU and event-loop time of a server process; subtract two to get a phase's share. */
export interface CpuSample {
	/** `process.cpuUsage()`, microseconds (all threads, so libuv's pool and Argon2 count too). */
	user: number;
	system: number;
	/** `performance.eventLoopUtilization()`: milliseconds the main thread was busy / idle. */
	active: number;
	idle: number;
}

/** Orchestrator → server under test. */
export type ServerRequest =
	| { type: 'memory'; id: number }
	| { type: 'snapshot'; id: number; file: string }
	| { type: 'cpu'; id: number }
	| { type: 'profile'; id: number; action: 'start' }
	| { type: 'profile'; id: number; action: 'stop'; file: string };

/** Server under test → orchestrator. */
export type ServerReply =
	| { type: 'memory'; id: number; sample: MemorySample }
	| { type: 'snapshot'; id: number; file: string }
	| { type: 'cpu'; id: number; sample: CpuSample }
	| { type: 'profile'; id: number; file?: string };

/** Orchestrator → client worker (bench/lib/clients.ts). */
export type WorkerRequest = { type: 'close' };

/** Client worker → orchestrator. */
export type WorkerReply =
	| { type: 'connected'; connected: number; failed: number; firstError: string | null; ms: number }
	| { type: 'closed' };

/** How one member socket signs in: a session cookie (the app) or handshake `auth` (bare server). */
export interface MemberSpec {
	cookie?: string;
	auth?: Record<string, string>;
}

/** Orchestrator → member worker (bench/lib/members.ts). Every request but `close` is answered. */
export type MemberRequest =
	| { type: 'open'; id: number; url: string; members: MemberSpec[]; concurrency: number }
	/** Start counting messages whose body starts with `tag`; resets the counters. */
	| { type: 'phase'; id: number; tag: string }
	| { type: 'count'; id: number }
	| { type: 'stats'; id: number }
	| { type: 'clock'; id: number }
	| { type: 'close' };

/** Member worker → orchestrator. */
export type MemberReply =
	| {
			type: 'open';
			id: number;
			connected: number;
			failed: number;
			firstError: string | null;
			ms: number;
	  }
	| { type: 'phase'; id: number }
	| { type: 'count'; id: number; received: number }
	| {
			type: 'stats';
			id: number;
			received: number;
			/** Clock readings (see bench/lib/latency.ts `now`) of the phase's first and last delivery. */
			firstAt: number;
			lastAt: number;
			/** Deliveries whose measured latency was below zero (clock disagreement); counted as 0. */
			negative: number;
			/** Sparse latency histogram: [bucket, count] pairs. */
			histogram: [number, number][];
			/** Deliveries per member socket, lowest and highest (all equal when nothing was lost). */
			perSocketMin: number;
			perSocketMax: number;
			/** This worker's CPU time since the phase started. */
			cpuMs: number;
			/** Member sockets of this worker that disconnected since the phase started. */
			disconnects: number;
	  }
	| { type: 'clock'; id: number; now: number };
