import {
	emptyCountsByEntity,
	type EntityCounts,
	type RunStatus,
	type RunTrigger,
	type SyncEntity,
	type SyncIssue,
	type SyncRunDto
} from '#lib/shared/sync.ts';

export interface SyncRunRow {
	id: string;
	instanceId: string;
	trigger: string;
	full: boolean;
	status: string;
	startedAt: Date;
	finishedAt: Date | null;
	counts: string;
	errors: string;
	errorCount: number;
	error: string | null;
	requests: number;
}

function parse<T>(json: string, fallback: T): T {
	try {
		return JSON.parse(json) as T;
	} catch {
		return fallback;
	}
}

export function toRunDto(row: SyncRunRow): SyncRunDto {
	const counts = emptyCountsByEntity();
	const stored = parse<Partial<Record<SyncEntity, Partial<EntityCounts>>>>(row.counts, {});
	for (const entity of Object.keys(counts) as SyncEntity[]) {
		Object.assign(counts[entity], stored[entity]);
	}
	return {
		id: row.id,
		instanceId: row.instanceId,
		trigger: row.trigger as RunTrigger,
		full: row.full,
		status: row.status as RunStatus,
		startedAt: row.startedAt.toISOString(),
		finishedAt: row.finishedAt?.toISOString() ?? null,
		durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
		counts,
		errors: parse<SyncIssue[]>(row.errors, []),
		errorCount: row.errorCount,
		error: row.error,
		requests: row.requests
	};
}
