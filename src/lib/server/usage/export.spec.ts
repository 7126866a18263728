import { describe, expect, it } from 'vitest';
import type { ReportColumn } from '#lib/shared/usage.ts';
import { csvCell, toCsv, toTextTable } from './export.ts';
import { percentile } from './report-kit.ts';

describe('CSV export', () => {
	it('escapes cells a spreadsheet would run as formulas', () => {
		expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
		expect(csvCell('+1')).toBe("'+1");
		expect(csvCell('-2+3')).toBe("'-2+3");
		expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
		expect(csvCell('\tcmd')).toBe("'\tcmd");
		expect(csvCell('safe, with "quotes"')).toBe('"safe, with ""quotes"""');
	});

	it('writes numbers as numbers (a negative change stays a number) and nulls as empty', () => {
		expect(csvCell(-0.25)).toBe('-0.25');
		expect(csvCell(null)).toBe('');
		expect(csvCell(Number.NaN)).toBe('');
	});

	it('writes a header of labels and one CRLF line per row, in column order', () => {
		const columns: ReportColumn[] = [
			{ key: 'b', label: 'Bee', kind: 'int' },
			{ key: 'a', label: 'Ay', kind: 'text' }
		];
		expect(
			toCsv({
				columns,
				rows: [
					{ a: 'x', b: 1 },
					{ a: '=y', b: null }
				]
			})
		).toBe("Bee,Ay\r\n1,x\r\n,'=y\r\n");
	});

	it('renders a text table with aligned, formatted numbers', () => {
		const table = toTextTable({
			columns: [
				{ key: 'model', label: 'Model', kind: 'text' },
				{ key: 'cost', label: 'Cost', kind: 'usd' },
				{ key: 'rate', label: 'Errors', kind: 'ratio' }
			],
			rows: [{ model: 'gpt', cost: 12.5, rate: 0.0123 }]
		});
		expect(table.split('\n')).toEqual([
			'Model    Cost  Errors',
			'-----  ------  ------',
			'gpt    $12.50   1.23%'
		]);
	});
});

describe('time-to-first-token percentiles from the histogram', () => {
	it('interpolates inside the bin that holds the percentile', () => {
		// 10 answers under 100 ms, 10 between 100 and 200 ms.
		const bins = [10, 10, ...new Array(14).fill(0)];
		expect(percentile(bins, 0.5)).toBe(100);
		expect(percentile(bins, 0.75)).toBe(150);
		expect(percentile(bins, 0.95)).toBe(190);
		expect(percentile(new Array(16).fill(0), 0.5)).toBeNull();
	});

	it('reports the open top bin at its lower bound', () => {
		const bins = [...new Array(15).fill(0), 3];
		expect(percentile(bins, 0.95)).toBe(60_000);
	});
});
