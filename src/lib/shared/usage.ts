/**
 * The usage dashboard's contract, shared by the server's report module, the JSON/CSV API, the CLI
 * and the admin pages. Every report returns the same tabular shape (`ReportResult`), so a chart, its
 * CSV export and `parley report` all render the same rows.
 */

/** Every report, by the name used in `/api/v1/admin/usage/<name>` and `parley report <name>`. */
export const REPORT_NAMES = [
	'summary',
	'engagement',
	'daily-tokens',
	'daily-messages',
	'daily-active',
	'top-models',
	'top-users',
	'models',
	'users',
	'compare',
	'heatmap',
	'notes'
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** What the dashboard page computes on load (all reports, run together over shared scans). */
export const DASHBOARD_REPORTS: readonly ReportName[] = REPORT_NAMES;

export const RANGE_PRESETS = ['today', '7d', '30d', '90d', 'custom'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

/** The longest custom range, in days. */
export const MAX_RANGE_DAYS = 366;
/** The oldest and newest dates a range may touch. */
export const RANGE_MIN_DATE = '2000-01-01';
export const RANGE_MAX_DATE = '2100-12-31';

/** Upper bounds (ms, exclusive) of the time-to-first-token histogram bins; the last bin is open. */
export const TTFT_BIN_BOUNDS = [
	100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 8000, 13000, 20000, 30000, 60000
] as const;
/** 16 bins: one per bound plus the open one above 60 s. */
export const TTFT_BINS = TTFT_BIN_BOUNDS.length + 1;

/** How a column's values are meant to be read (and formatted by the page and the CLI table). */
export type ColumnKind = 'text' | 'day' | 'int' | 'float' | 'usd' | 'ms' | 'ratio' | 'change';

export interface ReportColumn {
	key: string;
	label: string;
	kind: ColumnKind;
	/** Whether a paged table can sort by it. */
	sortable?: boolean;
}

export type Cell = string | number | null;
export type ReportRow = Record<string, Cell>;

/** The filters and window a report ran with, echoed back so exports say what they contain. */
export interface ReportWindow {
	tz: string;
	/** Local calendar dates, inclusive. */
	from: string;
	to: string;
	days: number;
	/** The UTC instants of the window: [start, end). */
	start: string;
	end: string;
	previous: { from: string; to: string };
}

export interface ReportResult {
	report: ReportName;
	window: ReportWindow;
	filters: { instance: string | null; model: string | null; user: string | null };
	columns: ReportColumn[];
	rows: ReportRow[];
	/** For paged tables: all rows there are, and the slice shown. */
	paging?: { page: number; pageSize: number; total: number; sort: string; dir: 'asc' | 'desc' };
	/** Report-specific facts, e.g. whether notes activity is available yet. */
	meta?: Record<string, string | number | boolean | null>;
}

/** What the filter bar can offer: the instances (this Parley first) and the models with usage. */
export interface UsageFilterOptions {
	instances: { id: string; name: string }[];
	models: string[];
}

/** One reading of the live operations panel, taken every 2 s. */
export interface LiveSample {
	/** Epoch milliseconds. */
	at: number;
	connectedUsers: number;
	sockets: number;
	/** Socket.IO rooms other than each socket's own. */
	rooms: number;
	eventsInPerSec: number;
	eventsOutPerSec: number;
	activeStreams: number;
	openNotes: number;
	rssBytes: number;
	heapUsedBytes: number;
	/** Event-loop delay over the last interval, in milliseconds. */
	loopDelayMeanMs: number;
	loopDelayP99Ms: number;
	loopDelayMaxMs: number;
}

/** How many samples the server keeps for the sparklines (2 minutes at one every 2 s). */
export const LIVE_HISTORY = 60;
export const LIVE_INTERVAL_MS = 2000;
