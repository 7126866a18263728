/**
 * Renders a report's rows as CSV (the widgets' "Export CSV", the API and the CLI) or as a text table
 * (the CLI). Both write exactly the rows and columns of the result, in order.
 */
import type { Cell, ColumnKind, ReportResult } from '#lib/shared/usage.ts';

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, or a leading tab or carriage return) is
 * prefixed with an apostrophe, as OWASP advises against CSV injection. Numbers are written as they
 * are, so a negative change stays a number.
 */
export function csvCell(value: Cell): string {
	if (value === null) return '';
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
	let text = value;
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV: a header of column labels, then one line per row, CRLF line ends. */
export function toCsv(result: Pick<ReportResult, 'columns' | 'rows'>): string {
	const lines = [result.columns.map((c) => csvCell(c.label))];
	for (const row of result.rows) lines.push(result.columns.map((c) => csvCell(row[c.key] ?? null)));
	return lines.map((cells) => cells.join(',')).join('\r\n') + '\r\n';
}

/** The download name of a report's CSV: `parley-usage-<report>-<from>-<to>.csv`. */
export function csvFilename(result: Pick<ReportResult, 'report' | 'window'>): string {
	return `parley-usage-${result.report}-${result.window.from}-${result.window.to}.csv`;
}

function formatCell(value: Cell, kind: ColumnKind): string {
	if (value === null) return '—';
	if (typeof value === 'string') return value;
	switch (kind) {
		case 'usd':
			return `$${value.toFixed(value !== 0 && Math.abs(value) < 1 ? 4 : 2)}`;
		case 'ratio':
			return `${(value * 100).toFixed(2)}%`;
		case 'change':
			return `${value > 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
		case 'ms':
			return `${Math.round(value).toLocaleString('en-US')} ms`;
		default:
			return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
	}
}

/** Metric rows (summary, engagement) say in `unit` how their value reads. */
const UNIT_KINDS: Record<string, ColumnKind> = {
	count: 'int',
	usd: 'usd',
	ms: 'ms',
	ratio: 'ratio',
	average: 'float'
};

/** A plain-text table for terminals: left-aligned text, right-aligned numbers. */
export function toTextTable(result: Pick<ReportResult, 'columns' | 'rows'>): string {
	const header = result.columns.map((c) => c.label);
	const body = result.rows.map((row) =>
		result.columns.map((c) => {
			const unit = typeof row.unit === 'string' ? UNIT_KINDS[row.unit] : undefined;
			const kind = unit && (c.key === 'value' || c.key === 'previous') ? unit : c.kind;
			return formatCell(row[c.key] ?? null, kind).replace(/\s+/g, ' ');
		})
	);
	const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
	const numeric = result.columns.map((c) => c.kind !== 'text' && c.kind !== 'day');
	const line = (cells: string[]) =>
		cells
			.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
			.join('  ')
			.trimEnd();
	return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
