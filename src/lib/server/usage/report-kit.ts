/**
 * What a report is made of, and the arithmetic reports share. Every value a report puts in a row is
 * final (rounded as shown): the page renders the rows, the CSV export writes them, the CLI prints
 * them, so none of them can disagree.
 */
import { AppError } from '../errors.ts';
import type { UsageQuery } from '#lib/shared/schemas/usage.ts';
import {
	TTFT_BIN_BOUNDS,
	type ReportColumn,
	type ReportName,
	type ReportResult,
	type ReportRow
} from '#lib/shared/usage.ts';
import type { UsageFacts } from './aggregates.ts';
import type { ResolvedRange } from './range.ts';
import { LOCAL_INSTANCE } from './instances.ts';
import type { ReadDb } from '../db/read-db.ts';
import { join, list, q } from '../db/sql.ts';

export interface ReportContext {
	facts: UsageFacts;
	range: ResolvedRange;
	query: UsageQuery;
	db: ReadDb;
}

export type ReportOutput = Pick<ReportResult, 'rows' | 'paging' | 'meta'>;

export interface ReportDef {
	name: ReportName;
	title: string;
	/** One line for the CLI's list and the API's index. */
	description: string;
	columns: ReportColumn[];
	/** Paged tables: the default sort. */
	sort?: { key: string; dir: 'asc' | 'desc' };
	run(ctx: ReportContext): Promise<ReportOutput>;
}

/** Billionths of a dollar as dollars, to the micro-dollar. */
export const usd = (nanos: number) => Math.round(nanos / 1000) / 1e6;
/** A share, to four decimals (0.0123 = 1.23 %), or null without a base. */
export const ratio = (part: number, whole: number) =>
	whole ? Math.round((part / whole) * 10_000) / 10_000 : null;
/** An average rounded to `digits` decimals, or null without a count. */
export const average = (sum: number, count: number, digits = 0) =>
	count ? Math.round((sum / count) * 10 ** digits) / 10 ** digits : null;
/** The relative change from `previous` to `value`, or null when there was nothing before. */
export const change = (value: number | null, previous: number | null) =>
	value === null || !previous
		? null
		: Math.round(((value - previous) / previous) * 10_000) / 10_000;

/**
 * A percentile from the time-to-first-token histogram, interpolated inside its bin. Exact to the
 * bin's width (100 ms up to 300 ms, then wider); answers over 60 s report 60 000.
 */
export function percentile(bins: number[], p: number): number | null {
	const total = bins.reduce((s, n) => s + n, 0);
	if (!total) return null;
	const target = p * total;
	let before = 0;
	for (let i = 0; i < bins.length; i++) {
		const count = bins[i];
		if (count && before + count >= target) {
			const lo = i === 0 ? 0 : TTFT_BIN_BOUNDS[i - 1];
			const hi = TTFT_BIN_BOUNDS[i] ?? lo;
			return Math.round(lo + ((hi - lo) * (target - before)) / count);
		}
		before += count;
	}
	return TTFT_BIN_BOUNDS[TTFT_BIN_BOUNDS.length - 1];
}

/**
 * Sorts rows by a sortable column of `def` (numbers, then text; nulls last; ties by `tieKey`) and
 * cuts out the requested page.
 */
export function sortAndPage(
	def: ReportDef,
	rows: ReportRow[],
	query: UsageQuery,
	tieKey: string,
	pageSizeDefault = 25
): ReportOutput {
	const fallback = def.sort ?? { key: tieKey, dir: 'asc' as const };
	const sort = query.sort ?? fallback.key;
	if (!def.columns.some((c) => c.key === sort && c.sortable)) {
		throw new AppError('validation', `Cannot sort by "${sort}".`, {
			fields: {
				sort: `Sortable: ${def.columns
					.filter((c) => c.sortable)
					.map((c) => c.key)
					.join(', ')}.`
			}
		});
	}
	const dir = query.dir ?? (query.sort ? 'desc' : fallback.dir);
	const sign = dir === 'asc' ? 1 : -1;
	const sorted = [...rows].sort((a, b) => {
		const [x, y] = [a[sort], b[sort]];
		if (x !== y) {
			if (x === null) return 1;
			if (y === null) return -1;
			return (
				(typeof x === 'number' && typeof y === 'number'
					? x - y
					: String(x).localeCompare(String(y))) * sign
			);
		}
		return String(a[tieKey]).localeCompare(String(b[tieKey]));
	});
	const pageSize = query.pageSize ?? pageSizeDefault;
	const page = query.page ?? 1;
	return {
		rows: sorted.slice((page - 1) * pageSize, page * pageSize),
		paging: { page, pageSize, total: rows.length, sort, dir }
	};
}

/**
 * Display names for people: local accounts by their display name, people of an Open WebUI instance
 * by the name synced from it (their id when the sync has not seen them).
 */
export async function displayNames(
	db: ReadDb,
	people: { instanceId: string; userId: string }[]
): Promise<(p: { instanceId: string; userId: string }) => string> {
	const key = (p: { instanceId: string; userId: string }) => `${p.instanceId}\u001f${p.userId}`;
	const names = new Map<string, string>();
	const local = people.filter((p) => p.instanceId === LOCAL_INSTANCE).map((p) => p.userId);
	if (local.length) {
		for (const row of await db.all<{ id: string; displayName: string }>(
			q`SELECT id, "displayName" AS "displayName" FROM "User" WHERE id IN (${list(local)})`
		)) {
			names.set(key({ instanceId: LOCAL_INSTANCE, userId: row.id }), row.displayName);
		}
	}
	const imported = people.filter((p) => p.instanceId !== LOCAL_INSTANCE);
	if (imported.length) {
		const pairs = join(
			imported.map((p) => q`(${p.instanceId}, ${p.userId})`),
			', '
		);
		for (const row of await db.all<{ instanceId: string; remoteId: string; name: string }>(
			q`SELECT "instanceId", "remoteId", name FROM "InstanceUser" WHERE ("instanceId", "remoteId") IN (VALUES ${pairs})`
		)) {
			names.set(key({ instanceId: row.instanceId, userId: row.remoteId }), row.name);
		}
	}
	return (p: { instanceId: string; userId: string }) => names.get(key(p)) ?? p.userId;
}
