import { expect, test } from 'vitest';
import { foreignKeyOrder, type Table } from './tables.ts';
import { fromPostgres, fromSqlite, TableChecksum, toSqlite, type ColumnType } from './values.ts';

test('reads every form a SQLite DateTime takes as the same instant', () => {
	const ms = Date.parse('2026-12-03T13:00:05.123Z');
	for (const stored of [
		'2026-12-03T13:00:05.123+00:00',
		'2026-12-03T13:00:05.123Z',
		'2026-12-03T14:00:05.123+01:00',
		BigInt(ms),
		ms
	]) {
		expect(fromSqlite('DateTime', stored), String(stored)).toBe(ms);
	}
	// CURRENT_TIMESTAMP's text has no zone and is UTC, whatever the machine's zone.
	const zone = process.env.TZ;
	process.env.TZ = 'America/New_York';
	try {
		expect(fromSqlite('DateTime', '2026-12-03 13:00:05')).toBe(ms - 123);
	} finally {
		if (zone === undefined) delete process.env.TZ;
		else process.env.TZ = zone;
	}
	expect(() => fromSqlite('DateTime', 'soon')).toThrow('not a date: "soon"');
});

test('writes SQLite values as Prisma does and reads them back', () => {
	const ms = Date.parse('2026-12-03T13:00:05.123Z');
	expect(toSqlite('DateTime', ms)).toBe('2026-12-03T13:00:05.123+00:00');
	expect(toSqlite('Boolean', true)).toBe(1);
	expect(fromSqlite('Boolean', 0n)).toBe(false);
	expect(fromSqlite('Int', 7n)).toBe(7);
	expect(fromSqlite('BigInt', 2n ** 62n)).toBe(2n ** 62n);
	expect(fromPostgres('DateTime', new Date(ms))).toBe(ms);
});

const TYPES: ColumnType[] = ['String', 'Int', 'DateTime', 'Bytes', 'Boolean', 'BigInt'];
const rows = [
	['a', 1, 1_700_000_000_000, Buffer.from([1, 2]), true, 5n],
	['b', 2, null, Buffer.from([]), false, -1n],
	['c', 3, 1_700_000_000_001, null, null, 2n ** 60n]
];

function sum(list: typeof rows): string {
	const checksum = new TableChecksum();
	for (const row of list) checksum.add(TYPES, row);
	return checksum.hex();
}

test('the checksum does not depend on row order, and changes with any value', () => {
	expect(sum([...rows].reverse())).toBe(sum(rows));
	expect(sum(rows.slice(0, 2))).not.toBe(sum(rows));
	const changed = rows.map((r) => [...r]);
	changed[2][2] = 1_700_000_000_002;
	expect(sum(changed)).not.toBe(sum(rows));
	// A string "1" and the number 1 differ: values are tagged with their type.
	const retyped = rows.map((r) => [...r]);
	retyped[0][0] = '1';
	const asNumber = new TableChecksum();
	asNumber.add(['Int', ...TYPES.slice(1)], [1, ...retyped[0].slice(1)]);
	const asText = new TableChecksum();
	asText.add(TYPES, retyped[0]);
	expect(asText.hex()).not.toBe(asNumber.hex());
});

function table(name: string, ...references: string[]): Table {
	return {
		name,
		columns: [],
		key: [0],
		references: references.map((t) => ({ table: t, columns: [] }))
	};
}

test('tables come after the ones they reference; a table may reference itself', () => {
	const ordered = foreignKeyOrder([
		table('Reaction', 'Message', 'User'),
		table('Message', 'Message', 'Channel', 'User'),
		table('Channel', 'User'),
		table('User')
	]).map((t) => t.name);
	expect(ordered).toEqual(['User', 'Channel', 'Message', 'Reaction']);
	expect(() => foreignKeyOrder([table('A', 'B'), table('B', 'A')])).toThrow(
		'Foreign keys form a cycle: A → B → A'
	);
});
