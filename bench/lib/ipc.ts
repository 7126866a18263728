/**
 * Messages between the orchestrator (bench/connections.ts) and its child processes, over Node's
 * IPC channel (`process.send` / `process.on('message')`).
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

/** Orchestrator → server under test. */
export type ServerRequest =
	{ type: 'memory'; id: number } | { type: 'snapshot'; id: number; file: string };

/** Server under test → orchestrator. */
export type ServerReply =
	| { type: 'memory'; id: number; sample: MemorySample }
	| { type: 'snapshot'; id: number; file: string };

/** Orchestrator → client worker. */
export type WorkerRequest = { type: 'close' };

/** Client worker → orchestrator. */
export type WorkerReply =
	| { type: 'connected'; connected: number; failed: number; firstError: string | null; ms: number }
	| { type: 'closed' };
