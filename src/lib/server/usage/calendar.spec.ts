import { describe, expect, it } from 'vitest';
import { Calendar, dayString, isTimeZone, parseDay } from './calendar.ts';
import { resolveRange } from './range.ts';

const at = (iso: string) => Date.parse(iso) / 1000;
const day = (text: string) => parseDay(text);
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('local days in a time zone', () => {
	it('starts Berlin days at local midnight across the spring change (23-hour day)', () => {
		const berlin = new Calendar('Europe/Berlin');
		const span = berlin.span(day('2026-03-29'), day('2026-03-29'));
		expect(iso(span.start)).toBe('2026-03-28T23:00:00.000Z'); // 00:00 CET
		expect(iso(span.end)).toBe('2026-03-29T22:00:00.000Z'); // 00:00 CEST
		expect((span.end - span.start) / 3600).toBe(23);
	});

	it('gives the autumn change a 25-hour day', () => {
		const berlin = new Calendar('Europe/Berlin');
		const span = berlin.span(day('2026-10-25'), day('2026-10-25'));
		expect(iso(span.start)).toBe('2026-10-24T22:00:00.000Z');
		expect((span.end - span.start) / 3600).toBe(25);
	});

	it('handles half- and three-quarter-hour offsets', () => {
		expect(iso(new Calendar('Asia/Kolkata').span(day('2026-03-24'), day('2026-03-24')).start)).toBe(
			'2026-03-23T18:30:00.000Z'
		);
		expect(
			iso(new Calendar('Asia/Kathmandu').span(day('2026-03-24'), day('2026-03-24')).start)
		).toBe('2026-03-23T18:15:00.000Z');
		const chatham = new Calendar('Pacific/Chatham');
		expect(chatham.dayOfInstant(at('2026-06-30T11:14:59Z'))).toBe(day('2026-06-30'));
		expect(chatham.dayOfInstant(at('2026-06-30T11:15:00Z'))).toBe(day('2026-07-01'));
	});

	it('starts a day whose midnight is skipped at the first instant that exists (Santiago)', () => {
		// Chile moves clocks from 00:00 to 01:00 on 2026-09-06: that day starts at 01:00 local.
		const santiago = new Calendar('America/Santiago');
		const span = santiago.span(day('2026-09-06'), day('2026-09-06'));
		expect(iso(span.start)).toBe('2026-09-06T04:00:00.000Z');
		expect((span.end - span.start) / 3600).toBe(23);
	});

	it('maps instants to days and finds the offset changes in between', () => {
		const ny = new Calendar('America/New_York');
		expect(ny.dayOfInstant(at('2026-03-08T04:59:59Z'))).toBe(day('2026-03-07'));
		expect(ny.dayOfInstant(at('2026-03-08T05:00:00Z'))).toBe(day('2026-03-08'));
		const segments = ny.segments(at('2026-03-01T00:00:00Z'), at('2026-03-15T00:00:00Z'));
		expect(segments.map((s) => s.offset / 3600)).toEqual([-5, -4]);
		expect(iso(segments[1].fromBucket * 900)).toBe('2026-03-08T07:00:00.000Z');
	});

	it('splits UTC days into pieces of local days with quarter-hour bitmaps', () => {
		const kolkata = new Calendar('Asia/Kolkata');
		const pieces = kolkata.dayPieces(kolkata.span(day('2026-03-24'), day('2026-03-24')));
		expect(pieces.map((p) => [dayString(p.day), dayString(p.localDay)])).toEqual([
			['2026-03-23', '2026-03-24'],
			['2026-03-24', '2026-03-24']
		]);
		// 18:30–24:00 UTC of the 23rd: quarters 74–95, all in the upper mask.
		expect(pieces[0].lo).toBe(0n);
		expect(pieces[0].hi).toBe(((1n << 22n) - 1n) << 26n);
		// 00:00–18:30 UTC of the 24th: quarters 0–73.
		expect(pieces[1].lo).toBe((1n << 48n) - 1n);
		expect(pieces[1].hi).toBe((1n << 26n) - 1n);
	});

	it('puts every quarter of a year in the local day the time zone database gives it', () => {
		// DST changes at night (Berlin, New York), at local midnight (Santiago), by half an hour (Lord
		// Howe), none (Kolkata).
		const zones = ['Europe/Berlin', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe'];
		for (const tz of [...zones, 'Asia/Kolkata']) {
			const calendar = new Calendar(tz);
			const pieces = calendar.dayPieces(calendar.span(day('2025-12-20'), day('2026-12-20')));
			const reference = new Calendar(tz);
			const mismatches: string[] = [];
			for (const piece of pieces) {
				for (let j = 0; j < 96; j++) {
					const bit = j < 48 ? (piece.lo >> BigInt(j)) & 1n : (piece.hi >> BigInt(j - 48)) & 1n;
					if (bit && reference.localDayOf(piece.day * 96 + j) !== piece.localDay) {
						mismatches.push(`${tz} ${dayString(piece.day)} quarter ${j}`);
					}
				}
			}
			const covered = pieces.reduce(
				(n, p) => n + p.lo.toString(2).split('1').length + p.hi.toString(2).split('1').length - 2,
				0
			);
			const span = calendar.span(day('2025-12-20'), day('2026-12-20'));
			expect(mismatches).toEqual([]);
			expect(covered).toBe((span.end - span.start) / 900);
		}
	});
});

describe('time zones and ranges', () => {
	it('knows IANA zones and refuses anything else', () => {
		expect(isTimeZone('Europe/Paris')).toBe(true);
		expect(isTimeZone('UTC')).toBe(true);
		for (const bad of ['Mars/Olympus', '+05:00', '', 'Europe/Paris; DROP TABLE', '../etc']) {
			expect(isTimeZone(bad)).toBe(false);
		}
		expect(() => new Calendar('Mars/Olympus')).toThrow(/Unknown time zone/);
	});

	it('resolves presets in the zone and the previous period before them', () => {
		const now = at('2026-03-24T23:30:00Z'); // already the 25th in Berlin
		const range = resolveRange({ range: '7d', tz: 'Europe/Berlin' }, now);
		expect(dayString(range.current.lastDay)).toBe('2026-03-25');
		expect(dayString(range.current.firstDay)).toBe('2026-03-19');
		expect(dayString(range.previous.firstDay)).toBe('2026-03-12');
		expect(dayString(range.previous.lastDay)).toBe('2026-03-18');
		expect(resolveRange({ range: 'today', tz: 'UTC' }, now).days).toBe(1);
	});

	it('refuses inverted, impossible, far-off and overlong ranges with a clear message', () => {
		const check = (query: { from?: string; to?: string; range?: 'custom' }) => () =>
			resolveRange({ tz: 'UTC', ...query });
		expect(check({ from: '2026-03-10', to: '2026-03-01' })).toThrow(
			'The start date is after the end date.'
		);
		expect(check({ from: '2026-02-30', to: '2026-03-01' })).toThrow('2026-02-30 is not a date.');
		expect(check({ from: '1999-12-31', to: '2000-01-05' })).toThrow(
			/between 2000-01-01 and 2100-12-31/
		);
		expect(check({ from: '2020-01-01', to: '2026-01-01' })).toThrow(/at most 366 days/);
		expect(check({ range: 'custom', from: '2026-01-01' })).toThrow(/needs both from and to/);
	});
});
