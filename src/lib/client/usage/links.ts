import { resolve } from '$app/paths';
import type { ResolvedPathname } from '$app/types';
import type { ReportName } from '#lib/shared/usage.ts';

/** The dashboard's query: range, time zone and filters (all optional text, as in the URL). */
export interface UsageParams {
	range?: string;
	from?: string;
	to?: string;
	tz?: string;
	instance?: string;
	model?: string;
	user?: string;
}

export const PARAM_KEYS = ['range', 'from', 'to', 'tz', 'instance', 'model', 'user'] as const;

/** Rows per page of the dashboard's tables. */
export const TABLE_ROWS = 10;

function search(params: Record<string, string | number | undefined>): string {
	const query = new URLSearchParams();
	for (const [key, value] of Object.entries(params)) {
		if (value !== undefined && value !== '') query.set(key, String(value));
	}
	return query.toString();
}

/** The dashboard for these parameters. */
export function usagePageHref(params: UsageParams): ResolvedPathname {
	const query = search({ ...params });
	return query ? resolve(`/(app)/admin/usage?${query}`) : resolve('/(app)/admin/usage');
}

/**
 * A report from the JSON API, or its CSV download (`format: 'csv'`) — the same query the widget
 * showed, so the file holds exactly its rows.
 */
export function reportHref(
	report: ReportName,
	params: UsageParams,
	extra: Record<string, string | number | undefined> = {}
): ResolvedPathname {
	const query = search({ ...params, ...extra });
	return query
		? resolve(`/api/v1/admin/usage/[report]?${query}`, { report })
		: resolve('/api/v1/admin/usage/[report]', { report });
}

/** Only the dashboard parameters of a URL. */
export function paramsOf(url: URL): UsageParams {
	const params: UsageParams = {};
	for (const key of PARAM_KEYS) {
		const value = url.searchParams.get(key);
		if (value) params[key] = value;
	}
	return params;
}

/** What a drill-down opens: a model's people, or a person's models. */
export interface DrillTarget {
	kind: 'model' | 'user';
	id: string;
	label: string;
}
