/**
 * People counts over long windows (this period, the one before, the last 7 and 30 days) come from
 * 32-day blocks of day bits plus the quarter-hours of the UTC days a viewer's midnight cuts; people
 * per local day from the first and last active quarter-hour of each person's UTC days. Seeded
 * random activity over half a year, across block edges and daylight-saving changes, must give the
 * same numbers from the rollups as from the raw facts, in time zones east, west and half an hour
 * off UTC, and what the upkeep keeps fact by fact must equal a rebuild, whole or by days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportName } from '#lib/shared/usage.ts';
import {
	addChannel,
	addUser,
	answer,
	openUsageDb,
	postMessage,
	snapshotRollups,
	type UsageDb
} from './helpers/usage.ts';

let t: UsageDb;
const DAY_MS = 86_400_000;
const FIRST = Date.parse('2026-01-01T00:00:00Z');

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
		return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
	};
}

beforeAll(async () => {
	t = await openUsageDb();
	const next = random(20261207);
	const people = [];
	for (let i = 0; i < 12; i++) people.push(await addUser(t.db, `Person ${i}`));
	const channelId = await addChannel(t.db);
	// Each person is active on some days: regulars often, others now and then, a few near midnight.
	for (let day = 0; day < 200; day++) {
		for (const [i, userId] of people.entries()) {
			if (next() > 0.9 - i * 0.06) continue;
			// Some days have a second fact, earlier or later in the day than the first.
			for (let n = next() < 0.3 ? 2 : 1; n > 0; n--) {
				const minute = i % 3 === 0 ? 1380 + Math.floor(next() * 120) : Math.floor(next() * 1440);
				const at = new Date(FIRST + day * DAY_MS + minute * 60_000).toISOString();
				if (next() < 0.5) await postMessage(t.db, { channelId, authorId: userId, at });
				else await answerAt(userId, at, i % 4 === 1 ? 'owui-w' : 'local');
			}
		}
	}
}, 120_000);
afterAll(() => t?.close());

function answerAt(userId: string, at: string, instanceId: string) {
	const fact = { userId, at, instanceId, model: 'm', chatId: null, status: 'done' as const };
	return answer(t.db, { ...fact, prompt: 1, completion: 1, cost: 0, ttft: null, duration: null });
}

async function sameFromRaw(query: Record<string, string>) {
	const names: ReportName[] = ['summary', 'engagement', 'daily-active'];
	const rollup = await t.usage.run(names, query);
	const raw = await t.usage.run(names, query, { source: 'raw' });
	for (const name of names) {
		expect(rollup[name].rows, `${name} ${JSON.stringify(query)}`).toEqual(raw[name].rows);
	}
	return rollup;
}

describe('active people over long windows', () => {
	for (const tz of ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC']) {
		it(`agree with the raw facts in ${tz}`, async () => {
			for (const [from, to] of [
				['2026-04-01', '2026-06-29'],
				['2026-03-02', '2026-03-31'],
				['2026-05-12', '2026-05-18'],
				['2026-02-01', '2026-02-01']
			]) {
				const r = await sameFromRaw({ from, to, tz });
				expect(
					Number(r.summary.rows.find((row) => row.metric === 'activeUsers')?.value)
				).toBeGreaterThan(0);
			}
		});
	}

	it('agree with the raw facts for one instance', async () => {
		await sameFromRaw({
			from: '2026-04-01',
			to: '2026-06-29',
			tz: 'Europe/Berlin',
			instance: 'owui-w'
		});
		await sameFromRaw({
			from: '2026-04-01',
			to: '2026-06-29',
			tz: 'America/New_York',
			instance: 'local'
		});
	});

	it('keep the same day blocks fact by fact as rebuilt, whole or day by day', async () => {
		const incremental = await snapshotRollups(t.url);
		expect(incremental.UsageUserBlock.length).toBeGreaterThan(12 * 6);
		const firstDay = FIRST / DAY_MS;
		await t.usage.rebuild({ days: { from: firstDay + 30, to: firstDay + 70 } });
		expect(await snapshotRollups(t.url)).toEqual(incremental);
		await t.usage.rebuild();
		expect(await snapshotRollups(t.url)).toEqual(incremental);
	});

	it('forget the days whose facts an import removed, once those days are rebuilt', async () => {
		const [from, to] = [FIRST + 100 * DAY_MS, FIRST + 130 * DAY_MS];
		const removed = await t.db.usageRecord.updateMany({
			where: { instanceId: 'owui-w', createdAt: { gte: new Date(from), lt: new Date(to) } },
			data: { deletedAt: new Date() }
		});
		expect(removed.count).toBeGreaterThan(10);
		const days = { from: from / DAY_MS, to: to / DAY_MS };
		await t.usage.rebuild({ instanceId: 'owui-w', days });
		// This period and its last week lie inside the removed days: nobody of that instance is left.
		const query = { from: '2026-04-15', to: '2026-05-05', tz: 'Europe/Berlin', instance: 'owui-w' };
		const r = await sameFromRaw(query);
		expect(Number(r.summary.rows.find((row) => row.metric === 'activeUsers')?.value)).toBe(0);
		await sameFromRaw({ ...query, instance: 'local' });
	});
});
