import { describe, expect, test } from 'vitest';
import {
	judgeMissingModels,
	listingTrusted,
	needsWorkspace,
	type KnownModel
} from './model-guard.ts';

const run = new Date('2026-12-01T10:00:00Z');
const earlier = new Date('2026-12-01T09:00:00Z');
const base = (id: string, missingSince: Date | null = null): KnownModel => ({
	remoteId: id,
	preset: false,
	missingSince
});
const preset = (id: string): KnownModel => ({ remoteId: id, preset: true, missingSince: null });
/** Ten models: six base models, four presets. */
const known = [
	...['a', 'b', 'c', 'd', 'e', 'f'].map((id) => base(id)),
	...['p1', 'p2', 'p3', 'p4'].map(preset)
];
const ids = (models: KnownModel[]) => new Set(models.map((m) => m.remoteId));
const without = (...gone: string[]) => ids(known.filter((m) => !gone.includes(m.remoteId)));

describe('which /api/models answers are trusted', () => {
	test('losing up to half is believed; an empty list or losing more than half is not', () => {
		expect(listingTrusted(known, ids(known))).toBe(true);
		expect(listingTrusted(known, without('a'))).toBe(true);
		expect(listingTrusted(known, without('a', 'b', 'c', 'd', 'e'))).toBe(true);
		// 60 % gone.
		expect(listingTrusted(known, without('a', 'b', 'c', 'd', 'p1', 'p2'))).toBe(false);
		expect(listingTrusted(known, new Set())).toBe(false);
		// Nothing imported yet: nothing to lose.
		expect(listingTrusted([], new Set())).toBe(true);
	});
});

describe('what a listing may delete', () => {
	test('a legitimate deletion of one model is carried out at once', () => {
		const verdict = judgeMissingModels({
			known,
			listed: without('c'),
			workspace: null,
			runStartedAt: run
		});
		expect(verdict).toEqual({ remove: ['c'], mark: [], warning: null });
	});

	test('a preset hidden from a trusted list but still in the workspace list is kept', () => {
		const verdict = judgeMissingModels({
			known,
			listed: without('p1', 'p2'),
			workspace: new Set(['p1', 'p3', 'p4']),
			runStartedAt: run
		});
		expect(verdict).toEqual({ remove: ['p2'], mark: [], warning: null });
		expect(needsWorkspace(known, without('p1'))).toBe(true);
		expect(needsWorkspace(known, without('a'))).toBe(false);
	});

	test('the only model of two deleted: half, believed', () => {
		const verdict = judgeMissingModels({
			known: [base('a'), base('b')],
			listed: new Set(['b', 'new']),
			workspace: null,
			runStartedAt: run
		});
		expect(verdict.remove).toEqual(['a']);
	});

	test('an empty list deletes nothing the workspace list does not confirm', () => {
		const verdict = judgeMissingModels({
			known,
			listed: new Set(),
			// p4 was really deleted; the other presets are only hidden by the empty list.
			workspace: new Set(['p1', 'p2', 'p3']),
			runStartedAt: run
		});
		expect(verdict.remove).toEqual(['p4']);
		expect(verdict.mark).toEqual([]);
		expect(verdict.warning).toMatch(/^Open WebUI listed no models and lacked 10 of the 10/);
		expect(verdict.warning).toMatch(/1 presets were also gone from the workspace list: deleted/);
		expect(verdict.warning).toMatch(/6 kept: an empty list does not prove a model deleted/);
	});

	test('an empty list, and no workspace list either: nothing at all, not even on a later run', () => {
		const marked = known.map((m) => ({ ...m, missingSince: earlier }));
		for (const models of [known, marked]) {
			const verdict = judgeMissingModels({
				known: models,
				listed: new Set(),
				workspace: null,
				runStartedAt: run
			});
			expect(verdict.remove).toEqual([]);
			expect(verdict.mark).toEqual([]);
		}
	});

	test('an empty workspace list while presets were imported confirms nothing', () => {
		const verdict = judgeMissingModels({
			known,
			listed: new Set(),
			workspace: new Set(),
			runStartedAt: run
		});
		expect(verdict.remove).toEqual([]);
	});

	test('a 60 % shrink: presets checked against the workspace, base models wait for a later run', () => {
		const listed = without('a', 'b', 'c', 'd', 'p1', 'p2');
		const first = judgeMissingModels({
			known,
			listed,
			workspace: new Set(['p1', 'p3', 'p4']),
			runStartedAt: run
		});
		expect(first.remove).toEqual(['p2']);
		expect(first.mark).toEqual(['a', 'b', 'c', 'd']);
		expect(first.warning).toMatch(/4 kept until a later run confirms they are gone/);
		expect(first.warning).toMatch(/1 are still in the workspace list: kept/);

		// The same answer in a later run: the base models it still lacks go.
		const marked = known.map((m) =>
			first.mark.includes(m.remoteId) ? { ...m, missingSince: earlier } : m
		);
		const later = judgeMissingModels({
			known: marked.filter((m) => m.remoteId !== 'p2'),
			listed,
			workspace: new Set(['p1', 'p3', 'p4']),
			runStartedAt: run
		});
		expect(later.remove).toEqual(['a', 'b', 'c', 'd']);
		expect(later.mark).toEqual([]);

		// Marked by this very run (the run started before the mark): not yet.
		const same = judgeMissingModels({
			known: known.map((m) => ({ ...m, missingSince: run })),
			listed,
			workspace: null,
			runStartedAt: run
		});
		expect(same.remove).toEqual([]);
	});
});
