/**
 * Turns report rows into Chart.js data. Pure functions: the same rows always give the same chart,
 * and the charts plot exactly the rows the CSV export contains.
 */
import type { ChartConfiguration } from 'chart.js';
import type { ReportRow, ReportWindow } from '#lib/shared/usage.ts';

const COLORS = [
	'#6366f1',
	'#10b981',
	'#f59e0b',
	'#ef4444',
	'#0ea5e9',
	'#a855f7',
	'#14b8a6',
	'#f97316',
	'#84cc16',
	'#ec4899',
	'#64748b',
	'#eab308'
];
/** Channel messages, which belong to no model. */
export const CHANNEL_COLOR = '#a1a1aa';

/** A stable color per model: its place in the list of every model there is. */
export function modelColor(model: string, allModels: string[]): string {
	const index = allModels.indexOf(model);
	return COLORS[(index < 0 ? allModels.length : index) % COLORS.length];
}

/** Every day of the window, as 'YYYY-MM-DD'. */
export function daysOf(window: ReportWindow): string[] {
	const days: string[] = [];
	const end = Date.parse(`${window.to}T00:00:00Z`);
	for (let t = Date.parse(`${window.from}T00:00:00Z`); t <= end; t += 86_400_000) {
		days.push(new Date(t).toISOString().slice(0, 10));
	}
	return days;
}

const axes = {
	x: { stacked: true, grid: { display: false } },
	y: { stacked: true, beginAtZero: true }
};

/** Stacked bars: one bar per day, one segment per series (`seriesOf(row)`), zero where no row. */
export function stackedDaily(
	rows: ReportRow[],
	window: ReportWindow,
	value: string,
	seriesOf: (row: ReportRow) => string,
	colorOf: (series: string) => string
): ChartConfiguration<'bar'> {
	const days = daysOf(window);
	const index = new Map(days.map((d, i) => [d, i]));
	const series = new Map<string, number[]>();
	for (const row of rows) {
		const name = seriesOf(row);
		const data = series.get(name) ?? new Array<number>(days.length).fill(0);
		const i = index.get(String(row.day));
		if (i !== undefined) data[i] += Number(row[value] ?? 0);
		series.set(name, data);
	}
	return {
		type: 'bar',
		data: {
			labels: days,
			datasets: [...series].map(([label, data]) => ({
				label,
				data,
				backgroundColor: colorOf(label),
				borderWidth: 0
			}))
		},
		options: { scales: axes, plugins: { legend: { position: 'bottom' } } }
	};
}

/** One line over the days (active people). */
export function dailyLine(
	rows: ReportRow[],
	value: string,
	label: string
): ChartConfiguration<'line'> {
	return {
		type: 'line',
		data: {
			labels: rows.map((r) => String(r.day)),
			datasets: [
				{
					label,
					data: rows.map((r) => Number(r[value] ?? 0)),
					borderColor: COLORS[0],
					backgroundColor: `${COLORS[0]}33`,
					fill: true,
					tension: 0.25,
					pointRadius: rows.length > 31 ? 0 : 2
				}
			]
		},
		options: { scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } }
	};
}

/** Horizontal bars, largest first (top models, top people). */
export function topBars(
	rows: ReportRow[],
	labelKey: string,
	value: string,
	colorOf: (row: ReportRow) => string
): ChartConfiguration<'bar'> {
	return {
		type: 'bar',
		data: {
			labels: rows.map((r) => String(r[labelKey])),
			datasets: [
				{
					label: 'Tokens',
					data: rows.map((r) => Number(r[value] ?? 0)),
					backgroundColor: rows.map(colorOf),
					borderWidth: 0
				}
			]
		},
		options: {
			indexAxis: 'y',
			scales: { x: { beginAtZero: true }, y: { ticks: { autoSkip: false } } },
			plugins: { legend: { display: false } }
		}
	};
}
