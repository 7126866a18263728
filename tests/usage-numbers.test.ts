/**
 * The dashboard's numbers, checked against totals worked out by hand from a small set of facts
 * that straddle local midnights in Berlin (including the spring DST change), Kolkata (+5:30) and UTC.
 * Every report is also computed from the raw facts and must agree with the rollups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportName, ReportResult } from '#lib/shared/usage.ts';
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
const ids: Record<string, string> = {};
/** After the range, so every day of it has begun. */
const NOW = Date.parse('2026-04-01T12:00:00Z') / 1000;
const WEEK = { from: '2026-03-23', to: '2026-03-29' };

beforeAll(async () => {
	t = await openUsageDb();
	const { db } = t;
	for (const name of ['alice', 'bob', 'carol', 'erin']) ids[name] = await addUser(db, name);
	ids.dave = 'owui-dave'; // a person of an imported instance
	const channelId = await addChannel(db);
	const base = { cost: 0, ttft: null, duration: null, status: 'done' as const };
	// Monday 23 March 2026 … Sunday 29 March (Berlin moves to CEST at 01:00 UTC on the 29th).
	await answer(db, {
		...base,
		userId: ids.alice,
		model: 'gpt-a',
		at: '2026-03-23T10:00:00Z',
		prompt: 100,
		completion: 50,
		cost: 0.001,
		ttft: 200,
		duration: 1200,
		chatId: 'c1'
	});
	// 00:30 on the 24th in Berlin, 05:00 on the 24th in Kolkata, still the 23rd in UTC.
	await answer(db, {
		...base,
		userId: ids.alice,
		model: 'gpt-a',
		at: '2026-03-23T23:30:00Z',
		prompt: 10,
		completion: 5,
		cost: 0.0001,
		ttft: 100,
		duration: 600,
		chatId: 'c1'
	});
	// One minute either side of midnight in Kolkata.
	await answer(db, {
		...base,
		userId: ids.bob,
		model: 'gpt-b',
		at: '2026-03-24T18:29:00Z',
		prompt: 200,
		completion: 100,
		cost: 0.002,
		ttft: 1000,
		duration: 3000,
		status: 'error',
		chatId: 'c2'
	});
	await answer(db, {
		...base,
		userId: ids.bob,
		model: 'gpt-b',
		at: '2026-03-24T18:30:00Z',
		prompt: 20,
		completion: 0,
		duration: 500,
		status: 'stopped',
		chatId: 'c3'
	});
	await answer(db, {
		...base,
		userId: ids.dave,
		instanceId: 'owui-x',
		model: 'gpt-a',
		at: '2026-03-25T12:00:00Z',
		prompt: 1000,
		completion: 500,
		cost: 0.01,
		ttft: 300,
		duration: 2300,
		chatId: 'd1'
	});
	// 00:15 CET on the 29th in Berlin; the 28th in UTC.
	await postMessage(db, { channelId, authorId: ids.carol, at: '2026-03-28T23:15:00Z' });
	// 00:30 CEST on the 30th in Berlin (outside the week there), the 29th in UTC.
	await postMessage(db, { channelId, authorId: ids.carol, at: '2026-03-29T22:30:00Z' });
	// 23:30 CEST on the 29th in Berlin.
	await postMessage(db, { channelId, authorId: ids.alice, at: '2026-03-29T21:30:00Z' });
	// Erin's only message: 01:00 CEST on the 30th in Berlin, the 29th in UTC. Berlin's week reads
	// UTC day 29 from the rollup and takes these hours away again: she must not be counted there.
	await postMessage(db, { channelId, authorId: ids.erin, at: '2026-03-29T23:00:00Z' });
	// The previous week.
	await postMessage(db, { channelId, authorId: ids.alice, at: '2026-03-20T12:00:00Z' });
});
afterAll(() => t?.close());

const ALL: ReportName[] = [
	'summary',
	'engagement',
	'daily-tokens',
	'daily-messages',
	'daily-active',
	'top-models',
	'top-users',
	'models',
	'users',
	'compare',
	'heatmap'
];

/** Runs reports from the rollups, and checks the raw facts give exactly the same rows. */
async function run(query: Record<string, string>): Promise<Record<ReportName, ReportResult>> {
	const rollup = await t.usage.run(ALL, query, { now: NOW });
	const raw = await t.usage.run(ALL, query, { now: NOW, source: 'raw' });
	for (const name of ALL) expect(rollup[name].rows, `${name} (raw)`).toEqual(raw[name].rows);
	return rollup;
}

const activePerDay = (r: ReportResult) => r.rows.map((row) => row.activeUsers);

describe('a week in Berlin', () => {
	it('adds up to the hand-counted totals, and compares with the week before', async () => {
		const r = await run({ ...WEEK, tz: 'Europe/Berlin' });
		expect(r.summary.window).toMatchObject({
			start: '2026-03-22T23:00:00.000Z',
			end: '2026-03-29T22:00:00.000Z',
			previous: { from: '2026-03-16', to: '2026-03-22' }
		});
		expect(metrics(r.summary)).toEqual({
			activeUsers: 4,
			dailyActive: 0.9, // 6 person-days over 7 days
			weeklyActive: 4,
			monthlyActive: 4,
			channelMessages: 2,
			answers: 5,
			chats: 4,
			totalTokens: 1985,
			promptTokens: 1330,
			completionTokens: 655,
			costUsd: 0.0131,
			avgTtftMs: 400,
			failureRate: 0.2
		});
		expect(metrics(r.summary, 'previous')).toMatchObject({
			activeUsers: 1,
			channelMessages: 1,
			answers: 0
		});
		expect(metrics(r.summary, 'change')).toMatchObject({
			activeUsers: 3,
			channelMessages: 1,
			answers: null
		});
	});

	it('counts distinct people over the week, not the sum of the days', async () => {
		const r = await run({ ...WEEK, tz: 'Europe/Berlin' });
		expect(activePerDay(r['daily-active'])).toEqual([1, 2, 1, 0, 0, 0, 2]);
		expect(metrics(r.summary).weeklyActive).toBe(4); // the days add up to 6: Alice came back
		expect(metrics(r.engagement)).toEqual({
			returningUsers: 1,
			returningRate: 1,
			messagesPerActiveUser: 1.75,
			answersPerActiveUser: 1.25,
			chatsPerActiveUser: 1,
			activeDaysPerUser: 1.5
		});
	});

	it('puts tokens, models and people in the right local days', async () => {
		const r = await run({ ...WEEK, tz: 'Europe/Berlin' });
		expect(r['daily-tokens'].rows).toEqual([
			{
				day: '2026-03-23',
				model: 'gpt-a',
				promptTokens: 100,
				completionTokens: 50,
				totalTokens: 150
			},
			{ day: '2026-03-24', model: 'gpt-a', promptTokens: 10, completionTokens: 5, totalTokens: 15 },
			{
				day: '2026-03-24',
				model: 'gpt-b',
				promptTokens: 220,
				completionTokens: 100,
				totalTokens: 320
			},
			{
				day: '2026-03-25',
				model: 'gpt-a',
				promptTokens: 1000,
				completionTokens: 500,
				totalTokens: 1500
			}
		]);
		expect(r.models.rows).toEqual([
			{
				model: 'gpt-a',
				answers: 3,
				promptTokens: 1110,
				completionTokens: 555,
				totalTokens: 1665,
				costUsd: 0.0111,
				avgTtftMs: 200,
				failureRate: 0
			},
			{
				model: 'gpt-b',
				answers: 2,
				promptTokens: 220,
				completionTokens: 100,
				totalTokens: 320,
				costUsd: 0.002,
				avgTtftMs: 1000,
				failureRate: 0.5
			}
		]);
		// Erin's message falls on the 30th in Berlin: she is not in this week's table.
		expect(r.users.rows.map((u) => [u.user, u.channelMessages, u.answers, u.totalTokens])).toEqual([
			['owui-dave', 0, 1, 1500],
			['bob', 0, 2, 320],
			['alice', 1, 2, 165],
			['carol', 1, 0, 0]
		]);
		expect(r.users.paging).toEqual({
			page: 1,
			pageSize: 25,
			total: 4,
			sort: 'totalTokens',
			dir: 'desc'
		});
	});

	it('compares models: cost per chat started, latency percentiles, speed, errors and stops', async () => {
		const r = await run({ ...WEEK, tz: 'Europe/Berlin' });
		expect(r.compare.rows).toEqual([
			{
				model: 'gpt-a',
				answers: 3,
				tokensPerAnswer: 555,
				costPerChat: 0.00555,
				ttftP50Ms: 250,
				ttftP95Ms: 470,
				tokensPerSecond: 158.6,
				failureRate: 0,
				stopRate: 0
			},
			{
				model: 'gpt-b',
				answers: 2,
				tokensPerAnswer: 160,
				costPerChat: 0.001,
				ttftP50Ms: 1250,
				ttftP95Ms: 1475,
				tokensPerSecond: 50,
				failureRate: 0.5,
				stopRate: 0.5
			}
		]);
	});

	it('places activity on the local weekday and hour', async () => {
		const r = await run({ ...WEEK, tz: 'Europe/Berlin' });
		const cells = Object.fromEntries(
			r.heatmap.rows.filter((c) => c.events).map((c) => [`${c.weekday} ${c.hour}`, c.events])
		);
		expect(cells).toEqual({
			'Mon 11': 1,
			'Tue 0': 1,
			'Tue 19': 2,
			'Wed 13': 1,
			'Sun 0': 1,
			'Sun 23': 1
		});
		expect(r.heatmap.rows).toHaveLength(168);
	});

	it('filters by model, instance and person', async () => {
		const model = await run({ ...WEEK, tz: 'Europe/Berlin', model: 'gpt-b' });
		expect(metrics(model.summary)).toMatchObject({
			answers: 2,
			activeUsers: 1,
			channelMessages: 0,
			failureRate: 0.5
		});
		const instance = await run({ ...WEEK, tz: 'Europe/Berlin', instance: 'owui-x' });
		expect(metrics(instance.summary)).toMatchObject({
			answers: 1,
			activeUsers: 1,
			channelMessages: 0
		});
		const alice = await run({ ...WEEK, tz: 'Europe/Berlin', user: ids.alice });
		expect(metrics(alice.summary)).toMatchObject({
			answers: 2,
			channelMessages: 1,
			activeUsers: 1,
			totalTokens: 165
		});
		expect(activePerDay(alice['daily-active'])).toEqual([1, 1, 0, 0, 0, 0, 1]);
	});
});

describe('the same week in other time zones', () => {
	it('Kolkata (+5:30) moves the answers around its midnight to the right days', async () => {
		const r = await run({ ...WEEK, tz: 'Asia/Kolkata' });
		expect(r.summary.window.start).toBe('2026-03-22T18:30:00.000Z');
		expect(metrics(r.summary)).toMatchObject({ answers: 5, channelMessages: 1, activeUsers: 4 });
		expect(activePerDay(r['daily-active'])).toEqual([1, 2, 2, 0, 0, 0, 1]);
	});

	it('UTC counts every fact on its UTC day', async () => {
		const r = await run({ ...WEEK, tz: 'UTC' });
		expect(metrics(r.summary)).toMatchObject({ answers: 5, channelMessages: 4, activeUsers: 5 });
		expect(activePerDay(r['daily-active'])).toEqual([1, 1, 1, 0, 0, 1, 3]);
		expect(r.users.rows.map((u) => u.user)).toContain('erin');
	});
});

describe('bad input', () => {
	it('refuses unknown filters and time zones with a message naming the field', async () => {
		const refused = async (query: Record<string, string>) => {
			try {
				await t.usage.run(['summary'], { ...WEEK, ...query });
			} catch (error) {
				return (error as { fields?: Record<string, string> }).fields;
			}
			return undefined;
		};
		expect(await refused({ model: 'no-such-model' })).toHaveProperty('model');
		expect(await refused({ instance: 'nowhere' })).toHaveProperty('instance');
		expect(await refused({ user: 'nobody' })).toHaveProperty('user');
		expect(await refused({ tz: 'Mars/Olympus' })).toHaveProperty('tz');
		expect(await refused({ from: '2026-03-29', to: '2026-03-23' })).toHaveProperty('from');
		expect(await refused({ sort: 'bogus' })).toBeUndefined(); // summary is not sortable: ignored
	});
});

describe('the read model', () => {
	it('is identical after a rebuild from the raw facts', async () => {
		const incremental = await snapshotRollups(t.url);
		expect(incremental.UsageBucket.length).toBeGreaterThan(0);
		await t.usage.rebuild();
		expect(await snapshotRollups(t.url)).toEqual(incremental);
	});
});
