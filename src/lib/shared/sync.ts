/**
 * Open WebUI instance sync: the shapes the admin UI, the REST API, the CLI and socket events share.
 * Server code lives in `#lib/server/sync/`.
 */

/** What a run imports, in the order runs process them and the UI shows them. */
export const SYNC_ENTITIES = [
	'users',
	'chats',
	'messages',
	'models',
	'knowledge',
	'files',
	'feedback'
] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];

export const ENTITY_LABELS: Record<SyncEntity, string> = {
	users: 'Users',
	chats: 'Chats',
	messages: 'Messages',
	models: 'Models',
	knowledge: 'Knowledge bases',
	files: 'Files',
	feedback: 'Feedback'
};

/** What one run did to one entity. */
export interface EntityCounts {
	added: number;
	updated: number;
	/** Soft-deleted: gone from the instance, kept here with `deletedAt`. */
	deleted: number;
	unchanged: number;
	failed: number;
}

export type RunTrigger = 'manual' | 'schedule' | 'cli';
export type RunStatus =
	'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted';

/** One problem met during a run. Warnings (e.g. a clamped timestamp) do not fail anything. */
export interface SyncIssue {
	/** The entity concerned, or "run" for the run as a whole (connection, rollups). */
	entity: SyncEntity | 'run';
	/** The remote id of the item concerned, when there is one. */
	remoteId?: string;
	message: string;
	warning?: boolean;
}

export interface SyncRunDto {
	id: string;
	instanceId: string;
	trigger: RunTrigger;
	full: boolean;
	status: RunStatus;
	startedAt: string;
	finishedAt: string | null;
	durationMs: number | null;
	counts: Record<SyncEntity, EntityCounts>;
	errors: SyncIssue[];
	/** All problems, including those beyond the first 100 kept in `errors`. */
	errorCount: number;
	/** Why the run failed or stopped as a whole. */
	error: string | null;
	requests: number;
}

export type EntityState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** Live progress of one entity in a running run. */
export interface EntityProgress extends EntityCounts {
	state: EntityState;
	/** Units done and to do (users listed, chats imported, pages read…); `total` null when unknown. */
	done: number;
	total: number | null;
	/** What is happening now, e.g. "Listing chats of 1,000 users". */
	note: string;
}

/** Sent to the `admin` room as a run goes (at most a few times a second) and when it ends. */
export interface SyncProgress {
	runId: string;
	instanceId: string;
	status: RunStatus;
	startedAt: string;
	entities: Record<SyncEntity, EntityProgress>;
	requests: number;
	errorCount: number;
}

/** An instance as admins see it. The API key never leaves the server: only `hasApiKey`. */
export interface InstanceView {
	id: string;
	name: string;
	baseUrl: string;
	hasApiKey: boolean;
	scheduled: boolean;
	intervalMinutes: number;
	concurrency: number;
	requestsPerSecond: number;
	version: string | null;
	nextSyncAt: string | null;
	createdAt: string;
	lastRun: SyncRunDto | null;
	/** Imported rows that are not deleted. */
	totals: { users: number; chats: number; messages: number };
}

/** Why a connection test failed, for code; `reason` says it in words. */
export type ConnectionFailure =
	| 'unreachable'
	/** The outbound guard refused the address (the reason names OUTBOUND_ALLOW when it can help). */
	| 'blocked'
	/** The stored API key cannot be decrypted with this server's key (SECRET_KEY). */
	| 'key_unreadable'
	| 'timeout'
	| 'not_api'
	| 'key_refused'
	| 'not_admin'
	| 'bad_response'
	| 'server_error';

export type ConnectionTest =
	| {
			ok: true;
			version: string | null;
			/** The account the key belongs to. */
			account: { name: string; email: string; role: string };
			users: number;
	  }
	| { ok: false; code: ConnectionFailure; reason: string };

export function emptyCounts(): EntityCounts {
	return { added: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0 };
}

export function emptyCountsByEntity(): Record<SyncEntity, EntityCounts> {
	return Object.fromEntries(SYNC_ENTITIES.map((e) => [e, emptyCounts()])) as Record<
		SyncEntity,
		EntityCounts
	>;
}
