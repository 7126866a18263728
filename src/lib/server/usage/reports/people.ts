/** Reports about how many people use Parley: the KPI summary, engagement and active people per day. */
import type { ReportColumn, ReportRow } from '#lib/shared/usage.ts';
import { dayString } from '../calendar.ts';
import { elapsedDays } from '../range.ts';
import type { ActivityStats, Totals } from '../aggregates.ts';
import { average, change, ratio, usd, type ReportContext, type ReportDef } from '../report-kit.ts';

/** Rows of metric cards: each with this period's value, the previous period's and the change. */
const metricColumns: ReportColumn[] = [
	{ key: 'metric', label: 'Metric', kind: 'text' },
	{ key: 'label', label: 'Label', kind: 'text' },
	{ key: 'unit', label: 'Unit', kind: 'text' },
	{ key: 'value', label: 'Value', kind: 'float' },
	{ key: 'previous', label: 'Previous period', kind: 'float' },
	{ key: 'change', label: 'Change', kind: 'change' }
];

type Unit = 'count' | 'usd' | 'ms' | 'ratio' | 'average';

function metric(
	key: string,
	label: string,
	unit: Unit,
	value: number | null,
	previous: number | null,
	withChange = true
): ReportRow {
	return {
		metric: key,
		label,
		unit,
		value,
		previous,
		change: withChange ? change(value, previous) : null
	};
}

/** People-days (a person active on a local day) within a span, from the per-day counts. */
function personDays(stats: ActivityStats, firstDay: number, lastDay: number): number {
	let sum = 0;
	for (let day = firstDay; day <= lastDay; day++) sum += stats.perDay.get(day) ?? 0;
	return sum;
}

export const summaryReport: ReportDef = {
	name: 'summary',
	title: 'Summary',
	description: 'Key figures for the range against the previous period of the same length.',
	columns: metricColumns,
	async run({ facts, range }) {
		const [cur, prev, stats] = await Promise.all([
			facts.totals('current'),
			facts.totals('previous'),
			facts.activity()
		]);
		const dau = (span: typeof range.current) =>
			average(personDays(stats, span.firstDay, span.lastDay), elapsedDays(range, span), 1);
		const tokens = (t: Totals) => t.promptTokens + t.completionTokens;
		return {
			rows: [
				metric('activeUsers', 'Active people', 'count', stats.current, stats.previous),
				metric(
					'dailyActive',
					'Daily active (average)',
					'average',
					dau(range.current),
					dau(range.previous)
				),
				metric(
					'weeklyActive',
					'Weekly active (last 7 days)',
					'count',
					stats.weekly,
					stats.weeklyBefore
				),
				metric(
					'monthlyActive',
					'Monthly active (last 30 days)',
					'count',
					stats.monthly,
					stats.monthlyBefore
				),
				metric('channelMessages', 'Channel messages', 'count', cur.messages, prev.messages),
				metric('answers', 'AI answers', 'count', cur.answers, prev.answers),
				metric('chats', 'Chats started', 'count', cur.chats, prev.chats),
				metric('totalTokens', 'Tokens', 'count', tokens(cur), tokens(prev)),
				metric('promptTokens', 'Tokens in (prompts)', 'count', cur.promptTokens, prev.promptTokens),
				metric(
					'completionTokens',
					'Tokens out (answers)',
					'count',
					cur.completionTokens,
					prev.completionTokens
				),
				metric('costUsd', 'Cost', 'usd', usd(cur.costNanos), usd(prev.costNanos)),
				metric(
					'avgTtftMs',
					'Time to first token (average)',
					'ms',
					average(cur.ttftSumMs, cur.ttftCount),
					average(prev.ttftSumMs, prev.ttftCount)
				),
				metric(
					'failureRate',
					'Failed answers',
					'ratio',
					ratio(cur.failed, cur.answers),
					ratio(prev.failed, prev.answers)
				)
			]
		};
	}
};

export const engagementReport: ReportDef = {
	name: 'engagement',
	title: 'Engagement',
	description: 'Returning people, and activity per active person.',
	columns: metricColumns,
	async run({ facts, range }: ReportContext) {
		const [cur, prev, stats] = await Promise.all([
			facts.totals('current'),
			facts.totals('previous'),
			facts.activity()
		]);
		const perPerson = (value: number, people: number) => average(value, people, 2);
		const days = (span: typeof range.current) => personDays(stats, span.firstDay, span.lastDay);
		return {
			rows: [
				metric(
					'returningUsers',
					'Returning people (also active the period before)',
					'count',
					stats.returning,
					null,
					false
				),
				metric(
					'returningRate',
					'Share of the previous period’s people who came back',
					'ratio',
					ratio(stats.returning, stats.previous),
					null,
					false
				),
				metric(
					'messagesPerActiveUser',
					'Messages per active person (channels and AI)',
					'average',
					perPerson(cur.messages + cur.answers, stats.current),
					perPerson(prev.messages + prev.answers, stats.previous)
				),
				metric(
					'answersPerActiveUser',
					'AI answers per active person',
					'average',
					perPerson(cur.answers, stats.current),
					perPerson(prev.answers, stats.previous)
				),
				metric(
					'chatsPerActiveUser',
					'Chats started per active person',
					'average',
					perPerson(cur.chats, stats.current),
					perPerson(prev.chats, stats.previous)
				),
				metric(
					'activeDaysPerUser',
					'Active days per active person',
					'average',
					perPerson(days(range.current), stats.current),
					perPerson(days(range.previous), stats.previous)
				)
			]
		};
	}
};

export const dailyActiveReport: ReportDef = {
	name: 'daily-active',
	title: 'Active people per day',
	description: 'People active on each day of the range (any channel message or AI answer).',
	columns: [
		{ key: 'day', label: 'Day', kind: 'day' },
		{ key: 'activeUsers', label: 'Active people', kind: 'int' }
	],
	async run({ facts, range }) {
		const stats = await facts.activity();
		const rows: ReportRow[] = [];
		for (let day = range.current.firstDay; day <= range.current.lastDay; day++) {
			rows.push({ day: dayString(day), activeUsers: stats.perDay.get(day) ?? 0 });
		}
		return { rows };
	}
};
