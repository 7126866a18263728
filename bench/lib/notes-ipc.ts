/**
 * Messages between the notes benchmark's orchestrator (bench/notes.ts) and its client workers
 * (bench/lib/notes-clients.ts), over Node's IPC channel.
 */

export type ServerKind = 'parley' | 'hocuspocus';

/** Orchestrator → client worker. */
export type NotesWorkerRequest =
	| {
			type: 'open';
			/** Note ids (Parley) or document names (Hocuspocus). */
			docs: string[];
			/** Editors per document. */
			perDoc: number;
			/** One connection for all editors (many notes per connection) or one each. */
			shareConnection: boolean;
			/** Bytes of text each editor writes once it is in (0: none). */
			writeBytes: number;
	  }
	| {
			type: 'fanout';
			/** Each editor types one character this often. */
			intervalMs: number;
			/** Epoch ms: keep latency samples of edits made in [measureFrom, measureUntil). */
			measureFrom: number;
			measureUntil: number;
	  }
	| { type: 'join'; doc: string }
	| { type: 'close' };

/** Client worker → orchestrator. */
export type NotesWorkerReply =
	| { type: 'opened'; ms: number }
	| { type: 'fanout'; latencies: number[]; sent: number }
	| { type: 'joined'; ms: number; chars: number }
	| { type: 'closed' }
	| { type: 'failed'; message: string };
