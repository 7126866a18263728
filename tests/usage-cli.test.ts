/**
 * `parley report` prints what the API returns (the same module makes both), in table, CSV and JSON;
 * `parley usage rebuild` gives the same rollups as the incremental upkeep, also while facts keep
 * arriving from another process.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '#lib/server/usage/export.ts';
import {
	addChannel,
	addUser,
	answer,
	openUsageDb,
	postMessage,
	snapshotRollups,
	type UsageDb
} from './helpers/usage.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const RANGE = { from: '2026-02-01', to: '2026-02-28', tz: 'Europe/Berlin' };
let t: UsageDb;
let people: string[];
let channelId: string;

function parley(...args: string[]) {
	const result = spawnSync(process.execPath, ['bin/parley.ts', ...args], {
		cwd: ROOT,
		env: { ...process.env, DATABASE_URL: t.url },
		encoding: 'utf8',
		timeout: 60_000
	});
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const rangeArgs = ['--from', RANGE.from, '--to', RANGE.to, '--tz', RANGE.tz];

beforeAll(async () => {
	t = await openUsageDb();
	people = [await addUser(t.db, 'Ann'), await addUser(t.db, 'Ben'), await addUser(t.db, '-Cy')];
	channelId = await addChannel(t.db);
	for (let day = 1; day <= 28; day++) {
		const at = (h: number) =>
			`2026-02-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:10:00Z`;
		await postMessage(t.db, { channelId, authorId: people[day % 3], at: at(day % 24) });
		await answer(t.db, {
			userId: people[(day + 1) % 3],
			model: day % 2 ? 'model-odd' : 'model-even',
			at: at((day * 5) % 24),
			prompt: 100 * day,
			completion: 10 * day,
			cost: day / 1000,
			ttft: 50 * day,
			duration: 100 * day,
			status: day % 7 ? 'done' : 'error',
			chatId: `chat-${day % 5}`
		});
	}
});
afterAll(() => t?.close());

describe('parley report', () => {
	it('prints the same rows as the report module, as JSON and as CSV', async () => {
		const json = parley('report', 'summary', ...rangeArgs, '--format', 'json');
		expect(json.code, json.stderr).toBe(0);
		const expected = await t.usage.report('summary', RANGE);
		expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));

		const csv = parley(
			'report',
			'users',
			...rangeArgs,
			'--format',
			'csv',
			'--sort',
			'answers',
			'--page-size',
			'2'
		);
		expect(csv.code, csv.stderr).toBe(0);
		const users = await t.usage.report('users', { ...RANGE, sort: 'answers', pageSize: '2' });
		expect(users.rows).toHaveLength(2);
		expect(csv.stdout).toBe(`${toCsv(users).trimEnd()}\n`);
	});

	it('prints a readable table by default', () => {
		const table = parley('report', 'models', ...rangeArgs);
		expect(table.code, table.stderr).toBe(0);
		expect(table.stdout).toContain('Models: 2026-02-01 to 2026-02-28 (Europe/Berlin)');
		expect(table.stdout).toMatch(/model-odd\s+14/);
		expect(table.stdout).toMatch(/model-even\s+14/);
	});

	it('lists the reports and explains itself', () => {
		const list = parley('report', 'list');
		expect(list.code).toBe(0);
		expect(list.stdout).toMatch(/^summary\s+Key figures/m);
		const help = parley('--help');
		expect(help.code).toBe(0);
		expect(help.stdout).toContain('parley report <name> [options]');
	});

	it('exits with 2 and a clear message on bad input', () => {
		const unknown = parley('report', 'everything');
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('No usage report "everything"');
		const inverted = parley('report', 'summary', '--from', '2026-03-01', '--to', '2026-02-01');
		expect(inverted.code).toBe(2);
		expect(inverted.stderr).toContain('The start date is after the end date.');
		const zone = parley('report', 'summary', '--tz', 'Atlantis/Capital');
		expect(zone.code).toBe(2);
		expect(zone.stderr).toContain('Unknown time zone');
		const format = parley('report', 'summary', '--format', 'xml');
		expect(format.code).toBe(2);
		expect(format.stderr).toContain('--format must be table, csv or json.');
	});
});

describe('parley usage rebuild', () => {
	it('recomputes identical rollups', async () => {
		const before = await snapshotRollups(t.url);
		const run = parley('usage', 'rebuild');
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/^Rebuilt the usage rollups: 28 days, 56 facts in \d+\.\d s\.$/m);
		expect(await snapshotRollups(t.url)).toEqual(before);
	});

	it('counts facts written during the rebuild exactly once', async () => {
		const child = spawn(process.execPath, ['bin/parley.ts', 'usage', 'rebuild'], {
			cwd: ROOT,
			env: { ...process.env, DATABASE_URL: t.url },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
		// Meanwhile, the server goes on writing facts on days the rebuild has or has not reached.
		for (let i = 0; i < 40; i++) {
			const day = String(1 + (i % 28)).padStart(2, '0');
			await postMessage(t.db, {
				channelId,
				authorId: people[i % 3],
				at: `2026-02-${day}T12:34:00Z`
			});
		}
		expect(await exited).toBe(0);
		const during = await snapshotRollups(t.url);
		await t.usage.rebuild();
		expect(await snapshotRollups(t.url)).toEqual(during);
		const summary = (await t.usage.report('summary', RANGE)).rows.find(
			(r) => r.metric === 'channelMessages'
		);
		expect(summary?.value).toBe(28 + 40);
	});
});
