import { describe, expect, it } from 'vitest';
import { externalCount, INT_COLUMN_MAX } from './int-column.ts';

describe('externalCount', () => {
	it('keeps counts an Int column holds, rounded', () => {
		expect(externalCount(0)).toBe(0);
		expect(externalCount(12.6)).toBe(13);
		expect(externalCount(INT_COLUMN_MAX)).toBe(INT_COLUMN_MAX);
	});

	it('caps what PostgreSQL’s integer would refuse', () => {
		expect(externalCount(INT_COLUMN_MAX + 1)).toBe(INT_COLUMN_MAX);
		expect(externalCount(1e15)).toBe(INT_COLUMN_MAX);
	});

	it('drops what is not a finite non-negative number', () => {
		for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, '12', null, undefined, {}]) {
			expect(externalCount(value)).toBeUndefined();
		}
	});
});
