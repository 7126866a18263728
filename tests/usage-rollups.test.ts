/**
 * The read model kept up fact by fact equals the one rebuilt from the raw facts: for facts written
 * in any order (imports arrive late and move a chat's start), answers that are continued later, two
 * instances, and a rebuild of one instance only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	addChannel,
	addUser,
	answer,
	continueAnswer,
	openUsageDb,
	postMessage,
	snapshotRollups,
	type UsageDb
} from './helpers/usage.ts';

let t: UsageDb;

/** mulberry32, so a failure can be replayed. */
function rng(seed: number) {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let x = a;
		x = Math.imul(x ^ (x >>> 15), x | 1);
		x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
		return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
	};
}

beforeAll(async () => {
	t = await openUsageDb();
	const random = rng(20260327);
	const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
	const people = [];
	for (let i = 0; i < 6; i++) people.push(await addUser(t.db, `person ${i}`));
	const imported = ['imp-1', 'imp-2'];
	const channels = [await addChannel(t.db), await addChannel(t.db)];
	const statuses = ['done', 'done', 'done', 'stopped', 'error', 'interrupted'] as const;
	const answers: string[] = [];
	// 300 facts over ten days, written in random order, not by time.
	for (let i = 0; i < 300; i++) {
		const at = new Date(
			Date.UTC(2026, 2, 20) + Math.floor(random() * 10 * 86_400_000)
		).toISOString();
		if (random() < 0.35) {
			await postMessage(t.db, { channelId: pick(channels), authorId: pick(people), at });
			continue;
		}
		const fromImport = random() < 0.2;
		const ttft = random() < 0.1 ? null : Math.floor(random() * 20_000);
		answers.push(
			await answer(t.db, {
				userId: fromImport ? pick(imported) : pick(people),
				instanceId: fromImport ? 'owui-x' : 'local',
				model: pick(['m-1', 'm-2', 'm-3']),
				at,
				prompt: Math.floor(random() * 2000),
				completion: Math.floor(random() * 800),
				cost: random() / 100,
				ttft,
				duration: ttft === null ? null : ttft + Math.floor(random() * 30_000),
				status: pick([...statuses]),
				// Few chats, so later answers often predate a chat's known first answer.
				chatId: random() < 0.1 ? null : `chat-${Math.floor(random() * 25)}`
			})
		);
	}
	// Continue some answers, as "continue" does after an interruption.
	for (const messageId of answers.slice(0, 20)) {
		await continueAnswer(
			t.db,
			{ messageId, instanceId: undefined },
			{
				prompt: 10,
				completion: Math.floor(random() * 300),
				cost: 0.0003,
				duration: 4000,
				status: 'done'
			}
		).catch(() => undefined); // imported answers have another instance id: left alone
	}
});
afterAll(() => t?.close());

describe('incremental upkeep against a full rebuild', () => {
	it('gives identical rollups', async () => {
		const incremental = await snapshotRollups(t.url);
		expect(incremental.UsageBucket.length).toBeGreaterThan(50);
		expect(incremental.UsageUserDay.length).toBeGreaterThan(30);
		const result = await t.usage.rebuild();
		expect(result).toMatchObject({ days: 10, facts: 300 });
		expect(await snapshotRollups(t.url)).toEqual(incremental);
	});

	it('keeps each UTC day as the sum of its quarter-hours', async () => {
		const { UsageBucket, UsageBucketDay } = await snapshotRollups(t.url);
		const summed = new Map<string, Record<string, number>>();
		for (const row of UsageBucket as Record<string, number | string>[]) {
			const key = `${Math.floor(Number(row.bucket) / 96)}|${row.instanceId}|${row.model}`;
			const sum = summed.get(key) ?? {};
			for (const [column, value] of Object.entries(row)) {
				if (typeof value === 'number' && column !== 'bucket') {
					sum[column] = (sum[column] ?? 0) + value;
				}
			}
			summed.set(key, sum);
		}
		const days = UsageBucketDay as Record<string, number | string>[];
		expect(days.length).toBe(summed.size);
		expect(days.length).toBeGreaterThan(10);
		for (const { day, instanceId, model, ...measures } of days) {
			expect(measures).toEqual(summed.get(`${day}|${instanceId}|${model}`));
		}
	});

	it('is idempotent, and rebuilding one instance leaves the others as they are', async () => {
		const before = await snapshotRollups(t.url);
		await t.usage.rebuild();
		await t.usage.rebuild({ instanceId: 'owui-x' });
		await t.usage.rebuild({ instanceId: 'local' });
		expect(await snapshotRollups(t.url)).toEqual(before);
	});

	it('rebuilds only the days asked for, when given days', async () => {
		const before = await snapshotRollups(t.url);
		// 2026-03-23 and 24: lose their rows, then get them back from a rebuild of those days only.
		const [from, to] = [Date.UTC(2026, 2, 23) / 86_400_000, Date.UTC(2026, 2, 25) / 86_400_000];
		await t.db.usageBucket.deleteMany({ where: { bucket: { gte: from * 96, lt: to * 96 } } });
		await t.db.usageBucketDay.deleteMany({ where: { day: { gte: from, lt: to } } });
		await t.db.usageUserDay.deleteMany({ where: { day: { gte: from, lt: to } } });
		await t.db.usageUserModelDay.deleteMany({ where: { day: { gte: from, lt: to } } });
		expect(await snapshotRollups(t.url)).not.toEqual(before);
		const result = await t.usage.rebuild({ days: { from, to } });
		expect(result.days).toBe(2);
		expect(result.facts).toBeGreaterThan(20);
		expect(result.facts).toBeLessThan(150);
		expect(await snapshotRollups(t.url)).toEqual(before);
	});

	it('counts each chat once, at its earliest answer, whatever order answers came in', async () => {
		const rows = (await snapshotRollups(t.url)).UsageBucket as { chats: number }[];
		const chats = rows.reduce((sum, r) => sum + r.chats, 0);
		const raw = (
			await t.usage.run(
				['summary'],
				{ from: '2026-03-20', to: '2026-03-29', tz: 'UTC' },
				{
					source: 'raw'
				}
			)
		).summary.rows.find((r) => r.metric === 'chats')?.value;
		expect(chats).toBe(raw);
		expect(chats).toBeGreaterThan(20);
		expect(chats).toBeLessThanOrEqual(50);
	});
});
