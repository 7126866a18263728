/**
 * Where SQLite and PostgreSQL would part ways, the usage numbers must not: costs that sit exactly on
 * half a nanodollar, activity in the last quarter-hours of a UTC day (bits above 32), times after
 * 2038 (seconds above 32 bits), and writers that commit at the same moment. Run on both databases
 * (PARLEY_TEST_DB=postgres); each check also compares the rollups with the raw facts or a rebuild.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportName } from '#lib/shared/usage.ts';
import {
	addChannel,
	addUser,
	answer,
	metrics,
	openUsageDb,
	postMessage,
	snapshotRollups,
	type UsageDb
} from './helpers/usage.ts';

let t: UsageDb;
let people: string[];
let channelId: string;
const base = { ttft: null, duration: null, status: 'done' as const, chatId: null, model: 'm' };

beforeAll(async () => {
	t = await openUsageDb();
	people = [await addUser(t.db, 'Ann'), await addUser(t.db, 'Ben')];
	channelId = await addChannel(t.db);
});
afterAll(() => t?.close());

/** Every report the rollups and the raw facts both answer, compared row for row. */
async function sameFromRaw(query: Record<string, string>) {
	const names: ReportName[] = ['summary', 'daily-active', 'daily-tokens', 'heatmap', 'users'];
	const rollup = await t.usage.run(names, query);
	const raw = await t.usage.run(names, query, { source: 'raw' });
	for (const name of names) expect(rollup[name].rows, name).toEqual(raw[name].rows);
	return rollup;
}

describe('on either database', () => {
	it('rounds a cost on half a nanodollar away from zero, as SQLite does', async () => {
		// 2.5e-9 and 1.5e-9 dollars are exactly 2.5 and 1.5 nanodollars in double arithmetic:
		// half away from zero gives 3 + 2, half to even (PostgreSQL's round of a double) 2 + 2.
		expect(2.5e-9 * 1e9).toBe(2.5);
		const at = '2026-05-04T10:00:00Z';
		await answer(t.db, { ...base, userId: people[0], at, prompt: 1, completion: 1, cost: 2.5e-9 });
		await answer(t.db, { ...base, userId: people[0], at, prompt: 1, completion: 1, cost: 1.5e-9 });
		const { UsageBucket } = await snapshotRollups(t.url);
		const bucket = Date.parse(at) / 1000 / 900;
		expect(UsageBucket.find((b) => (b as { bucket: number }).bucket === bucket)).toMatchObject({
			costNanos: 5
		});
		await sameFromRaw({ from: '2026-05-04', to: '2026-05-04', tz: 'UTC' });
	});

	it('counts activity in the last quarter-hours of a UTC day (the high bits of the masks)', async () => {
		// 23:50 UTC is quarter-hour 95 of the day, bit 47 of maskHi; in Kolkata it is the next day.
		await postMessage(t.db, { channelId, authorId: people[1], at: '2026-05-05T23:50:00Z' });
		const utc = await sameFromRaw({ from: '2026-05-05', to: '2026-05-06', tz: 'UTC' });
		expect(utc['daily-active'].rows.map((r) => r.activeUsers)).toEqual([1, 0]);
		const kolkata = await sameFromRaw({ from: '2026-05-05', to: '2026-05-06', tz: 'Asia/Kolkata' });
		expect(kolkata['daily-active'].rows.map((r) => r.activeUsers)).toEqual([0, 1]);
	});

	it('keeps exact rollups while many writers commit at once', async () => {
		const at = (i: number) => `2026-05-10T${String(8 + (i % 10)).padStart(2, '0')}:0${i % 6}:00Z`;
		await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				i % 2
					? postMessage(t.db, { channelId, authorId: people[i % 2], at: at(i) })
					: answer(t.db, {
							...base,
							userId: people[(i / 2) % 2],
							at: at(i),
							prompt: 10,
							completion: 5,
							cost: 0.001,
							chatId: `concurrent-${(i / 2) % 4}`
						})
			)
		);
		const summary = metrics(
			await t.usage.report('summary', { from: '2026-05-10', to: '2026-05-10', tz: 'UTC' })
		);
		expect(summary).toMatchObject({ channelMessages: 20, answers: 20, chats: 4, activeUsers: 2 });
		const kept = await snapshotRollups(t.url);
		await t.usage.rebuild();
		expect(await snapshotRollups(t.url)).toEqual(kept);
	});

	it('places facts after 2038 on their local day and hour', async () => {
		// A database of its own: a rebuild here would walk every day from 2026 to 2040.
		const far = await openUsageDb();
		try {
			const userId = await addUser(far.db, 'Cy');
			const fact = { ...base, userId, prompt: 7, completion: 3, cost: 0 };
			await answer(far.db, { ...fact, at: '2040-07-01T22:30:00Z' });
			const query = { from: '2040-07-01', to: '2040-07-02', tz: 'Europe/Berlin' };
			const names: ReportName[] = ['daily-tokens', 'heatmap', 'daily-active'];
			const rollup = await far.usage.run(names, query);
			const raw = await far.usage.run(names, query, { source: 'raw' });
			for (const name of names) expect(rollup[name].rows, name).toEqual(raw[name].rows);
			expect(rollup['daily-tokens'].rows).toEqual([
				{ day: '2040-07-02', model: 'm', promptTokens: 7, completionTokens: 3, totalTokens: 10 }
			]);
			expect(rollup.heatmap.rows.filter((row) => row.events)).toEqual([
				{ weekday: 'Mon', hour: 0, events: 1 }
			]);
		} finally {
			await far.close();
		}
	});
});
