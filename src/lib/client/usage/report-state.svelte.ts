import type { ResolvedPathname } from '$app/types';
import type { ReportName, ReportResult } from '#lib/shared/usage.ts';
import { reportHref, type UsageParams } from './links.ts';

/** Fetches one report from the JSON API; rejects with the server's message. */
export async function fetchReport(
	report: ReportName,
	params: UsageParams,
	extra: Record<string, string | number | undefined> = {},
	signal?: AbortSignal
): Promise<ReportResult> {
	const response = await fetch(reportHref(report, params, extra), {
		headers: { accept: 'application/json' },
		signal
	});
	const body = (await response.json()) as ReportResult | { error: { message: string } };
	if ('error' in body) throw new Error(body.error.message);
	return body;
}

/**
 * A report that changes without leaving the page: a table's sort and page, the comparison's
 * models. Starts from what the page loaded; later states come from the JSON API, and the CSV link
 * always asks for exactly what is shown.
 */
export class ReportState {
	readonly report: ReportName;
	readonly params: UsageParams;
	#result = $state.raw<ReportResult>() as ReportResult;
	#extra = $state.raw<Record<string, string | number | undefined>>({});
	#loading = $state(false);
	#error = $state<string | null>(null);
	#controller: AbortController | undefined;

	constructor(report: ReportName, initial: ReportResult, params: UsageParams) {
		this.report = report;
		this.params = params;
		this.#result = initial;
		const paging = initial.paging;
		if (paging) {
			const { sort, dir, page, pageSize } = paging;
			this.#extra = { sort, dir, page, pageSize };
		}
	}

	get result(): ReportResult {
		return this.#result;
	}

	get loading(): boolean {
		return this.#loading;
	}

	get error(): string | null {
		return this.#error;
	}

	/** The CSV of exactly what is shown now. */
	get csvHref(): ResolvedPathname {
		return reportHref(this.report, this.params, { ...this.#extra, format: 'csv' });
	}

	/** Sorts by a column: descending first, again to flip. */
	sortBy(key: string): Promise<void> {
		const paging = this.#result.paging;
		const dir = paging?.sort === key && paging.dir === 'desc' ? 'asc' : 'desc';
		return this.load({ ...this.#extra, sort: key, dir, page: 1 });
	}

	goTo(page: number): Promise<void> {
		return this.load({ ...this.#extra, page });
	}

	async load(extra: Record<string, string | number | undefined>): Promise<void> {
		this.#controller?.abort();
		const controller = new AbortController();
		this.#controller = controller;
		this.#loading = true;
		try {
			this.#result = await fetchReport(this.report, this.params, extra, controller.signal);
			this.#extra = extra;
			this.#error = null;
		} catch (error) {
			if (controller.signal.aborted) return;
			this.#error = error instanceof Error ? error.message : 'The report could not be loaded.';
		} finally {
			if (this.#controller === controller) this.#loading = false;
		}
	}

	destroy(): void {
		this.#controller?.abort();
	}
}
