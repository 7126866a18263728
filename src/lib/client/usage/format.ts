import type { Cell, ColumnKind } from '#lib/shared/usage.ts';

const integer = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** How the summary's `unit` values read. */
export type Unit = 'count' | 'usd' | 'ms' | 'ratio' | 'average';

export function formatUsd(value: number): string {
	const digits = value !== 0 && Math.abs(value) < 1 ? 4 : 2;
	return `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

export function formatMs(value: number): string {
	return value >= 10_000
		? `${decimal.format(value / 1000)} s`
		: `${integer.format(Math.round(value))} ms`;
}

/** A report cell as the dashboard shows it. */
export function formatCell(value: Cell, kind: ColumnKind | Unit): string {
	if (value === null) return '—';
	if (typeof value === 'string') return value || '—';
	switch (kind) {
		case 'usd':
			return formatUsd(value);
		case 'ms':
			return formatMs(value);
		case 'ratio':
			return `${decimal.format(value * 100)}%`;
		case 'change':
			return `${value > 0 ? '+' : ''}${decimal.format(value * 100)}%`;
		case 'int':
		case 'count':
			return integer.format(value);
		default:
			return decimal.format(value);
	}
}

/** Big numbers for KPI cards: 1.2M, 35K. */
export function formatCompact(value: number | null, unit: Unit): string {
	if (value === null) return '—';
	if (unit === 'count' && Math.abs(value) >= 10_000) return compact.format(value);
	return formatCell(value, unit);
}
