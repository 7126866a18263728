/**
 * The usage report module: one entry point shared by the admin page, the JSON/CSV API and the CLI,
 * so the three can never disagree. It validates the query (range, time zone, filters), picks the
 * data source and runs named reports over one shared set of aggregates.
 */
import { AppError, parseInput } from '../errors.ts';
import { usageQuerySchema, type UsageQuery } from '#lib/shared/schemas/usage.ts';
import {
	REPORT_NAMES,
	type ReportName,
	type ReportResult,
	type UsageFilterOptions
} from '#lib/shared/usage.ts';
import { UsageFacts } from './aggregates.ts';
import { instanceNames, LOCAL_INSTANCE } from './instances.ts';
import { describeWindow, resolveRange } from './range.ts';
import { rebuild, type RebuildOptions, type RebuildResult } from './rebuild.ts';
import type { ReportDef } from './report-kit.ts';
import {
	compareReport,
	modelsReport,
	topModelsReport,
	topUsersReport,
	usersReport
} from './reports/breakdowns.ts';
import { dailyActiveReport, engagementReport, summaryReport } from './reports/people.ts';
import {
	dailyMessagesReport,
	dailyTokensReport,
	heatmapReport,
	notesReport
} from './reports/time.ts';
import type { Scope } from './sources.ts';
import { openReadDb, type ReadDb } from '../db/read-db.ts';
import { q } from '../db/sql.ts';
import type { DatabaseTarget } from '../db/target.ts';

const REPORTS: Record<ReportName, ReportDef> = {
	summary: summaryReport,
	engagement: engagementReport,
	'daily-tokens': dailyTokensReport,
	'daily-messages': dailyMessagesReport,
	'daily-active': dailyActiveReport,
	'top-models': topModelsReport,
	'top-users': topUsersReport,
	models: modelsReport,
	users: usersReport,
	compare: compareReport,
	heatmap: heatmapReport,
	notes: notesReport
};

/** Where numbers come from: the rollups (always, in the product) or the raw facts (bench, tests). */
export type Source = 'rollup' | 'raw';

export function isReportName(name: string): name is ReportName {
	return (REPORT_NAMES as readonly string[]).includes(name);
}

/** The catalogue: every report with its title, description and columns. */
export function reportCatalogue() {
	return REPORT_NAMES.map((name) => {
		const { title, description, columns, sort } = REPORTS[name];
		return { name, title, description, columns, sort: sort ?? null };
	});
}

export class UsageService {
	readonly #target: DatabaseTarget;
	#db: ReadDb | undefined;

	/** The database is opened for reading on first use. */
	constructor(target: DatabaseTarget) {
		this.#target = target;
	}

	get #read(): ReadDb {
		this.#db ??= openReadDb(this.#target);
		return this.#db;
	}

	/**
	 * The filter bar's choices: this Parley and every Open WebUI instance (connected, or with usage
	 * left from one), and the models that have usage.
	 */
	async options(): Promise<UsageFilterOptions> {
		const [rows, names] = await Promise.all([
			this.#read.all<{ instanceId: string; model: string }>(
				q`SELECT "instanceId", model FROM "UsageModel"`
			),
			instanceNames(this.#read)
		]);
		const ids = new Set([LOCAL_INSTANCE, ...names.keys(), ...rows.map((r) => r.instanceId)]);
		const instances = [...ids]
			.map((id) => ({ id, name: names.get(id) ?? id }))
			.sort(
				(a, b) =>
					Number(b.id === LOCAL_INSTANCE) - Number(a.id === LOCAL_INSTANCE) ||
					a.name.localeCompare(b.name)
			);
		const models = new Set(rows.filter((r) => r.model !== '').map((r) => r.model));
		return { instances, models: [...models].sort() };
	}

	/**
	 * Runs reports for one query (URL parameters or CLI flags, as text). Reports run together share
	 * their aggregates, so a page of widgets costs each scan once.
	 */
	async run<N extends ReportName>(
		names: N[],
		input: Record<string, string>,
		options: { source?: Source; now?: number } = {}
	): Promise<Record<N, ReportResult>> {
		const query = await this.#withInstanceId(parseInput(usageQuerySchema, input));
		const range = resolveRange(query, options.now);
		const scope = await this.#scope(query, range.calendar, options.source ?? 'rollup');
		const facts = new UsageFacts(this.#read, scope, range);
		const window = describeWindow(range);
		const filters = {
			instance: query.instance ?? null,
			model: query.model ?? null,
			user: query.user ?? null
		};
		const results = await Promise.all(
			names.map(async (name): Promise<[N, ReportResult]> => {
				const def = REPORTS[name];
				const output = await def.run({ facts, range, query, db: this.#read });
				return [name, { report: name, window, filters, columns: def.columns, ...output }];
			})
		);
		return Object.fromEntries(results) as Record<N, ReportResult>;
	}

	/** Runs one report. */
	async report(
		name: ReportName,
		input: Record<string, string>,
		options: { source?: Source; now?: number } = {}
	): Promise<ReportResult> {
		return (await this.run([name], input, options))[name];
	}

	async #scope(query: UsageQuery, calendar: Scope['calendar'], mode: Source): Promise<Scope> {
		const { instances, models } = await this.options();
		const chosen = query.instance ? [query.instance] : instances.map((i) => i.id);
		if (query.model) {
			const found = await this.#read.get(
				q`SELECT 1 AS x FROM "UsageModel" WHERE model = ${query.model}${
					query.instance ? q` AND "instanceId" = ${query.instance}` : q``
				}`
			);
			if (!found || !models.includes(query.model)) {
				throw filterError('model', `No answers from a model called "${query.model}".`);
			}
		}
		if (query.user && !(await this.#knownUser(query.user))) {
			throw filterError('user', `There is no user "${query.user}".`);
		}
		return {
			mode,
			calendar,
			instances: chosen,
			allInstances: !query.instance,
			model: query.model ?? null,
			user: query.user ?? null
		};
	}

	/** The instance filter by its id or its name (`parley report --instance "Team chat"`), as an id. */
	async #withInstanceId(query: UsageQuery): Promise<UsageQuery> {
		if (!query.instance) return query;
		const { instances } = await this.options();
		const instance =
			instances.find((i) => i.id === query.instance) ??
			instances.find((i) => i.name === query.instance);
		if (!instance) throw filterError('instance', `There is no instance "${query.instance}".`);
		return { ...query, instance: instance.id };
	}

	async #knownUser(userId: string): Promise<boolean> {
		return !!(await this.#read.get(
			q`SELECT 1 AS x WHERE EXISTS (SELECT 1 FROM "User" WHERE id = ${userId})
	OR EXISTS (SELECT 1 FROM "UsageUser" WHERE "userId" = ${userId})
	OR EXISTS (SELECT 1 FROM "InstanceUser" WHERE "remoteId" = ${userId})`
		));
	}

	/** Recomputes the rollups from the raw facts (see rebuild.ts). */
	rebuild(options: RebuildOptions = {}): Promise<RebuildResult> {
		return rebuild(this.#target, options);
	}

	async close(): Promise<void> {
		const db = this.#db;
		this.#db = undefined;
		await db?.close();
	}
}

function filterError(field: string, message: string): AppError {
	return new AppError('validation', message, { fields: { [field]: message } });
}

/** Parses a report name from a path segment or CLI argument. */
export function reportName(name: string): ReportName {
	if (!isReportName(name)) {
		throw new AppError(
			'not_found',
			`No usage report "${name}". Reports: ${REPORT_NAMES.join(', ')}.`
		);
	}
	return name;
}
