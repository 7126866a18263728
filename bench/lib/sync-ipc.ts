/** Messages between bench/sync.ts and the fake Open WebUI process (bench/lib/sync-fake.ts). */

/** Orchestrator → fake. */
export type FakeRequest =
	{ type: 'counts'; id: number; reset: boolean } | { type: 'change'; id: number; share: number };

/** Fake → orchestrator. */
export type FakeReply =
	| {
			type: 'ready';
			url: string;
			adminKey: string;
			users: number;
			chats: number;
			messages: number;
			seedMs: number;
	  }
	| { type: 'counts'; id: number; counts: Record<string, number>; total: number }
	| { type: 'changed'; id: number; chats: number; messages: number };
