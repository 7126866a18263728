import {
	SYNC_ENTITIES,
	emptyCounts,
	type EntityCounts,
	type EntityProgress,
	type EntityState,
	type RunStatus,
	type SyncEntity,
	type SyncIssue,
	type SyncProgress
} from '#lib/shared/sync.ts';

/** Problems kept on the run row; the rest are only counted. */
export const MAX_KEPT_ISSUES = 100;
/** Live updates are sent at most this often (and always on state changes). */
const EMIT_EVERY_MS = 250;

/**
 * A run's counters, per entity, and its problems. Reports snapshots to a listener (socket events,
 * the CLI's progress bar), throttled.
 */
export class RunProgress {
	readonly runId: string;
	readonly instanceId: string;
	readonly startedAt: Date;
	readonly entities: Record<SyncEntity, EntityProgress>;
	readonly issues: SyncIssue[] = [];
	issueCount = 0;
	/** Problems that are not warnings. */
	errorCount = 0;
	requests = 0;
	status: RunStatus = 'running';
	readonly #listener: (progress: SyncProgress) => void;
	#lastEmit = 0;
	#timer: NodeJS.Timeout | undefined;

	constructor(
		run: { id: string; instanceId: string; startedAt: Date },
		listener: (progress: SyncProgress) => void
	) {
		this.runId = run.id;
		this.instanceId = run.instanceId;
		this.startedAt = run.startedAt;
		this.#listener = listener;
		this.entities = Object.fromEntries(
			SYNC_ENTITIES.map((e) => [
				e,
				{ ...emptyCounts(), state: 'pending', done: 0, total: null, note: '' }
			])
		) as Record<SyncEntity, EntityProgress>;
	}

	/** Changes an entity's state (sent at once). */
	state(entity: SyncEntity, state: EntityState, note = ''): void {
		Object.assign(this.entities[entity], { state, note });
		this.emit(true);
	}

	step(entity: SyncEntity, change: Partial<Pick<EntityProgress, 'done' | 'total' | 'note'>>): void {
		Object.assign(this.entities[entity], change);
		this.emit();
	}

	count(entity: SyncEntity, change: Partial<EntityCounts>): void {
		const target = this.entities[entity];
		for (const [k, v] of Object.entries(change) as [keyof EntityCounts, number][]) target[k] += v;
		this.emit();
	}

	issue(issue: SyncIssue): void {
		this.issueCount++;
		if (!issue.warning) this.errorCount++;
		if (this.issues.length < MAX_KEPT_ISSUES) this.issues.push(issue);
		this.emit();
	}

	counts(): Record<SyncEntity, EntityCounts> {
		return Object.fromEntries(
			SYNC_ENTITIES.map((e) => {
				const { added, updated, deleted, unchanged, failed } = this.entities[e];
				return [e, { added, updated, deleted, unchanged, failed }];
			})
		) as Record<SyncEntity, EntityCounts>;
	}

	snapshot(): SyncProgress {
		return {
			runId: this.runId,
			instanceId: this.instanceId,
			status: this.status,
			startedAt: this.startedAt.toISOString(),
			entities: structuredClone(this.entities),
			requests: this.requests,
			errorCount: this.errorCount
		};
	}

	/** Sends a snapshot now (`force`) or within the throttle window. */
	emit(force = false): void {
		const now = Date.now();
		if (force || now - this.#lastEmit >= EMIT_EVERY_MS) {
			clearTimeout(this.#timer);
			this.#timer = undefined;
			this.#lastEmit = now;
			this.#listener(this.snapshot());
		} else {
			this.#timer ??= setTimeout(() => this.emit(true), EMIT_EVERY_MS - (now - this.#lastEmit));
		}
	}

	/** Stops pending throttled sends. */
	close(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
	}
}
