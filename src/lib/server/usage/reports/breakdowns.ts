/** Which models and which people account for the usage: tables, top tens and the model comparison. */
import { AppError } from '../../errors.ts';
import type { ReportColumn, ReportRow } from '#lib/shared/usage.ts';
import type { ModelAgg, UserAgg } from '../aggregates.ts';
import { instanceNames } from '../instances.ts';
import {
	average,
	displayNames,
	percentile,
	ratio,
	sortAndPage,
	usd,
	type ReportContext,
	type ReportDef
} from '../report-kit.ts';

const TOP = 10;

const answerColumns: ReportColumn[] = [
	{ key: 'answers', label: 'AI answers', kind: 'int', sortable: true },
	{ key: 'promptTokens', label: 'Tokens in', kind: 'int', sortable: true },
	{ key: 'completionTokens', label: 'Tokens out', kind: 'int', sortable: true },
	{ key: 'totalTokens', label: 'Tokens', kind: 'int', sortable: true },
	{ key: 'costUsd', label: 'Cost (USD)', kind: 'usd', sortable: true },
	{ key: 'avgTtftMs', label: 'Avg. time to first token (ms)', kind: 'ms', sortable: true },
	{ key: 'failureRate', label: 'Error rate', kind: 'ratio', sortable: true }
];

function modelRow(m: ModelAgg): ReportRow {
	return {
		model: m.model,
		answers: m.answers,
		promptTokens: m.promptTokens,
		completionTokens: m.completionTokens,
		totalTokens: m.promptTokens + m.completionTokens,
		costUsd: usd(m.costNanos),
		avgTtftMs: average(m.ttftSumMs, m.ttftCount),
		failureRate: ratio(m.failed, m.answers)
	};
}

export const modelsReport: ReportDef = {
	name: 'models',
	title: 'Models',
	description: 'Per model: answers, tokens, cost, time to first token and error rate.',
	columns: [{ key: 'model', label: 'Model', kind: 'text', sortable: true }, ...answerColumns],
	sort: { key: 'totalTokens', dir: 'desc' },
	async run({ facts, query }) {
		return sortAndPage(this, (await facts.byModel()).map(modelRow), query, 'model');
	}
};

export const topModelsReport: ReportDef = {
	name: 'top-models',
	title: 'Top models',
	description: `The ${TOP} models with the most tokens.`,
	columns: [
		{ key: 'model', label: 'Model', kind: 'text' },
		{ key: 'totalTokens', label: 'Tokens', kind: 'int' },
		{ key: 'answers', label: 'AI answers', kind: 'int' },
		{ key: 'costUsd', label: 'Cost (USD)', kind: 'usd' }
	],
	async run({ facts }) {
		const rows = (await facts.byModel())
			.map(modelRow)
			.filter((r) => Number(r.totalTokens) > 0)
			.sort(
				(a, b) =>
					Number(b.totalTokens) - Number(a.totalTokens) ||
					String(a.model).localeCompare(String(b.model))
			)
			.slice(0, TOP)
			.map(({ model, totalTokens, answers, costUsd }) => ({
				model,
				totalTokens,
				answers,
				costUsd
			}));
		return { rows };
	}
};

async function userRows(ctx: ReportContext, people: UserAgg[]): Promise<ReportRow[]> {
	const name = await displayNames(ctx.db, people);
	const instances = await instanceNames(ctx.db);
	return people.map((p) => ({
		userId: p.userId,
		user: name(p),
		instance: instances.get(p.instanceId) ?? p.instanceId,
		channelMessages: p.messages,
		answers: p.answers,
		promptTokens: p.promptTokens,
		completionTokens: p.completionTokens,
		totalTokens: p.promptTokens + p.completionTokens,
		costUsd: usd(p.costNanos),
		avgTtftMs: average(p.ttftSumMs, p.ttftCount),
		failureRate: ratio(p.failed, p.answers)
	}));
}

export const usersReport: ReportDef = {
	name: 'users',
	title: 'People',
	description:
		'Per person: channel messages, AI answers, tokens, cost, time to first token, errors.',
	columns: [
		{ key: 'user', label: 'Person', kind: 'text' },
		{ key: 'userId', label: 'User id', kind: 'text' },
		{ key: 'instance', label: 'Instance', kind: 'text' },
		{ key: 'channelMessages', label: 'Channel messages', kind: 'int', sortable: true },
		...answerColumns
	],
	sort: { key: 'totalTokens', dir: 'desc' },
	async run(ctx) {
		// Sort the numbers first, then look up names for the page only.
		const people = await ctx.facts.byUser();
		const keyed = people.map((p) => ({
			userId: p.userId,
			key: `${p.instanceId}\u001f${p.userId}`,
			channelMessages: p.messages,
			answers: p.answers,
			promptTokens: p.promptTokens,
			completionTokens: p.completionTokens,
			totalTokens: p.promptTokens + p.completionTokens,
			costUsd: usd(p.costNanos),
			avgTtftMs: average(p.ttftSumMs, p.ttftCount),
			failureRate: ratio(p.failed, p.answers)
		}));
		const page = sortAndPage(this, keyed, ctx.query, 'key');
		const byKey = new Map(people.map((p) => [`${p.instanceId}\u001f${p.userId}`, p]));
		const shown = page.rows.map((r) => byKey.get(String(r.key)) as UserAgg);
		return { ...page, rows: await userRows(ctx, shown) };
	}
};

export const topUsersReport: ReportDef = {
	name: 'top-users',
	title: 'Top people',
	description: `The ${TOP} people with the most tokens.`,
	columns: [
		{ key: 'user', label: 'Person', kind: 'text' },
		{ key: 'userId', label: 'User id', kind: 'text' },
		{ key: 'totalTokens', label: 'Tokens', kind: 'int' },
		{ key: 'answers', label: 'AI answers', kind: 'int' },
		{ key: 'costUsd', label: 'Cost (USD)', kind: 'usd' }
	],
	async run(ctx) {
		const top = (await ctx.facts.byUser())
			.filter((p) => p.promptTokens + p.completionTokens > 0)
			.sort(
				(a, b) =>
					b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens) ||
					`${a.instanceId}\u001f${a.userId}`.localeCompare(`${b.instanceId}\u001f${b.userId}`)
			)
			.slice(0, TOP);
		const rows = (await userRows(ctx, top)).map(
			({ user, userId, totalTokens, answers, costUsd }) => ({
				user,
				userId,
				totalTokens,
				answers,
				costUsd
			})
		);
		return { rows };
	}
};

/** How many models the comparison shows when none are chosen. */
const COMPARE_DEFAULT = 4;

export const compareReport: ReportDef = {
	name: 'compare',
	title: 'Model comparison',
	description:
		'Models side by side: answers, tokens per answer, cost per chat, time to first token, speed, errors and stops.',
	columns: [
		{ key: 'model', label: 'Model', kind: 'text' },
		{ key: 'answers', label: 'AI answers', kind: 'int' },
		{ key: 'tokensPerAnswer', label: 'Tokens per answer', kind: 'float' },
		{ key: 'costPerChat', label: 'Cost per chat (USD)', kind: 'usd' },
		{ key: 'ttftP50Ms', label: 'Time to first token p50 (ms)', kind: 'ms' },
		{ key: 'ttftP95Ms', label: 'Time to first token p95 (ms)', kind: 'ms' },
		{ key: 'tokensPerSecond', label: 'Tokens per second', kind: 'float' },
		{ key: 'failureRate', label: 'Error rate', kind: 'ratio' },
		{ key: 'stopRate', label: 'Stop rate', kind: 'ratio' }
	],
	async run({ facts, query }) {
		const [all, latency] = await Promise.all([facts.byModel(), facts.latency()]);
		const chosen = (query.models ?? '')
			.split(',')
			.map((m) => m.trim())
			.filter(Boolean);
		const known = new Set(all.map((m) => m.model));
		const unknown = chosen.filter((m) => !known.has(m));
		if (unknown.length) {
			throw new AppError(
				'validation',
				`No answers from ${unknown.map((m) => `"${m}"`).join(', ')} in this range.`,
				{
					fields: { models: 'Choose models that answered in this range.' }
				}
			);
		}
		const models = chosen.length
			? chosen.map((m) => all.find((a) => a.model === m) as ModelAgg)
			: [...all]
					.sort((a, b) => b.answers - a.answers || a.model.localeCompare(b.model))
					.slice(0, COMPARE_DEFAULT);
		const rows = models.map((m) => ({
			model: m.model,
			answers: m.answers,
			tokensPerAnswer: average(m.promptTokens + m.completionTokens, m.answers, 1),
			// Cost in the range over the chats started in it (a chat counts with its first answer).
			costPerChat: m.chats ? usd(m.costNanos / m.chats) : null,
			ttftP50Ms: percentile(latency.get(m.model) ?? [], 0.5),
			ttftP95Ms: percentile(latency.get(m.model) ?? [], 0.95),
			tokensPerSecond: m.genMs ? Math.round((m.genTokens / m.genMs) * 10_000) / 10 : null,
			failureRate: ratio(m.failed, m.answers),
			stopRate: ratio(m.stopped, m.answers)
		}));
		return { rows, meta: { models: models.length, available: all.length } };
	}
};
