import { expect, test } from 'vitest';
import { SYNC_ENTITIES, emptyCounts, type SyncProgress } from '#lib/shared/sync.ts';
import { TerminalProgress } from './cli-progress.ts';

function progress(status: SyncProgress['status'], usersDone: number): SyncProgress {
	const entities = Object.fromEntries(
		SYNC_ENTITIES.map((e) => [
			e,
			{ ...emptyCounts(), state: 'pending', done: 0, total: null, note: '' }
		])
	) as SyncProgress['entities'];
	entities.users = {
		...emptyCounts(),
		added: usersDone,
		state: usersDone === 10 ? 'done' : 'running',
		done: usersDone,
		total: 10,
		note: 'Listing users'
	};
	return {
		runId: 'r',
		instanceId: 'i',
		status,
		startedAt: new Date(0).toISOString(),
		entities,
		requests: 3,
		errorCount: 0
	};
}

function stream(isTTY: boolean) {
	const chunks: string[] = [];
	const out = { isTTY, columns: 120, write: (text: string) => chunks.push(text) };
	return { out: out as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

test('on a terminal: a bar per entity, redrawn in place', () => {
	const { out, text } = stream(true);
	const bar = new TerminalProgress(out);
	bar.update(progress('running', 5));
	bar.update(progress('succeeded', 10));
	bar.finish();
	const output = text();
	expect(output).toContain(
		'› Users           [████████████░░░░░░░░░░░░]            5/10  +5 ~0 -0  Listing users'
	);
	expect(output).toContain(
		'✓ Users           [████████████████████████]           10/10  +10 ~0 -0'
	);
	// The second drawing moves up over the first (7 entities + the request line).
	expect(output).toContain('\x1b[8A');
});

test('in a pipe: one line whenever an entity changes state', () => {
	const { out, text } = stream(false);
	const bar = new TerminalProgress(out);
	bar.update(progress('running', 5));
	bar.update(progress('running', 6));
	bar.update(progress('succeeded', 10));
	expect(text().trim().split('\n')).toEqual([
		'› Users           [████████████░░░░░░░░░░░░]            5/10  +5 ~0 -0  Listing users',
		'✓ Users           [████████████████████████]           10/10  +10 ~0 -0'
	]);
});
