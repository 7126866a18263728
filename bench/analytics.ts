/**
 * The usage dashboard at scale, on SQLite or PostgreSQL: generates a year of usage (10,000 people,
 * 10,000,000 channel messages and AI answers by default) into a temporary SQLite database through
 * the app's tables (with --db=postgres, then copies those same rows into a fresh PostgreSQL
 * database), builds the rollups with the app's rebuild, then times every dashboard widget and the
 * whole page from the rollups, and the same widget computed straight from the raw facts in the same
 * run. Goals: every widget < 100 ms p95, the page < 300 ms. See bench/README.md.
 *
 * Options (argv): --db=sqlite|postgres (PostgreSQL: the server at POSTGRES_URL, a URL without a
 * database name, as scripts/lib/postgres.sh exports it; a database is created and dropped)
 * --users=10000 --facts=10000000 --budget=300 (seconds for generating; the volume is thinned when
 * it would not fit) --days=365 --tz=Europe/Berlin --ranges=7d,30d,90d --runs=20 --raw-runs=3
 * --raw-range=30d --file=<existing SQLite file> (skip generating) --no-rebuild (with --file on
 * SQLite: use its rollups as they are) --keep (keep the file and the PostgreSQL database)
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { parseDatabaseUrl, type DatabaseTarget } from '../src/lib/server/db/target.ts';
import { rebuild } from '../src/lib/server/usage/rebuild.ts';
import { UsageService } from '../src/lib/server/usage/usage.service.ts';
import { DASHBOARD_REPORTS, REPORT_NAMES, type ReportName } from '../src/lib/shared/usage.ts';
import { generate } from './lib/analytics-generate.ts';
import { measure, table, type Row } from './lib/analytics-measure.ts';
import { guard, tempDir } from './lib/harness.ts';
import {
	copyToPostgres,
	createBenchDatabase,
	dropBenchDatabase
} from './lib/analytics-postgres.ts';

const { values: flags } = parseArgs({
	allowNegative: true,
	options: {
		rebuild: { type: 'boolean', default: true },
		users: { type: 'string', default: '10000' },
		facts: { type: 'string', default: '10000000' },
		budget: { type: 'string', default: '300' },
		days: { type: 'string', default: '365' },
		tz: { type: 'string', default: 'Europe/Berlin' },
		ranges: { type: 'string', default: '7d,30d,90d' },
		runs: { type: 'string', default: '20' },
		'raw-runs': { type: 'string', default: '3' },
		'raw-range': { type: 'string', default: '30d' },
		db: { type: 'string', default: 'sqlite' },
		file: { type: 'string' },
		keep: { type: 'boolean', default: false }
	}
});
const WIDGET_GOAL_MS = 100;
const PAGE_GOAL_MS = 300;
const TOTAL_TIMEOUT_MS = 40 * 60_000;

if (flags.db !== 'sqlite' && flags.db !== 'postgres') {
	throw new Error('--db must be sqlite or postgres');
}
const postgresAdmin = process.env.POSTGRES_URL?.replace(/\/$/, '');
if (flags.db === 'postgres' && !postgresAdmin) {
	throw new Error(
		'--db=postgres needs POSTGRES_URL (source scripts/lib/postgres.sh; start_postgres)'
	);
}
guard('bench:analytics', TOTAL_TIMEOUT_MS);
const PREFIX = 'parley-bench-analytics-';
// Removed at exit, unless --keep.
const dir = flags.file
	? undefined
	: flags.keep
		? mkdtempSync(path.join(os.tmpdir(), PREFIX))
		: tempDir(PREFIX);
const file = flags.file ?? path.join(dir as string, 'parley.db');

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () =>
	os
		.loadavg()
		.map((l) => l.toFixed(1))
		.join(' ');
console.log(
	`bench:analytics — ${os.cpus().length} cores, Node ${process.version}, load average ${load()}`
);

// ---- data -----------------------------------------------------------------------------------
if (!flags.file) {
	const started = performance.now();
	let lastReport = started;
	const made = await generate({
		file,
		users: Number(flags.users),
		facts: Number(flags.facts),
		days: Number(flags.days),
		endDay: Math.floor(Date.now() / 86_400_000) + 1,
		budgetMs: Number(flags.budget) * 1000,
		onDay(day, total, facts) {
			if (performance.now() - lastReport < 15_000) return;
			lastReport = performance.now();
			console.log(
				`  generating: day ${day}/${total}, ${facts.toLocaleString('en-US')} facts, ${seconds(lastReport - started)}`
			);
		}
	});
	const ms = performance.now() - started;
	if (made.scale < 1) {
		console.log(
			`the target of ${Number(flags.facts).toLocaleString('en-US')} facts would not fit the ${flags.budget} s budget on this machine: after the first days the rest was thinned to ${(made.scale * 100).toFixed(0)} % (raise --budget to go further)`
		);
	}
	console.log(
		`generated ${made.facts.toLocaleString('en-US')} facts (${made.answers.toLocaleString('en-US')} answers, ${made.messages.toLocaleString('en-US')} channel messages), ${flags.users} people (+10% imported) over ${flags.days} days in ${seconds(ms)} (${Math.round(made.facts / (ms / 1000)).toLocaleString('en-US')} facts/s, indexes included)`
	);
} else if (!existsSync(file)) {
	throw new Error(`--file ${file} does not exist`);
}
let target: DatabaseTarget = parseDatabaseUrl(`file:${file}`);
let postgresUrl: string | undefined;
if (flags.db === 'postgres') {
	const started = performance.now();
	postgresUrl = await createBenchDatabase(postgresAdmin as string);
	target = parseDatabaseUrl(postgresUrl);
	let rows = 0;
	await copyToPostgres(file, postgresUrl, (_table, count) => (rows += count));
	const ms = performance.now() - started;
	console.log(
		`copied ${rows.toLocaleString('en-US')} rows to PostgreSQL ${target.kind === 'postgres' ? target.database : ''} in ${seconds(ms)} (indexes and ANALYZE included)`
	);
}
if (flags.rebuild || flags.db === 'postgres') {
	const started = performance.now();
	const result = await rebuild(target);
	const ms = performance.now() - started;
	console.log(
		`rebuilt the rollups (parley usage rebuild): ${result.days} days, ${result.facts.toLocaleString('en-US')} facts in ${seconds(ms)} (${Math.round(result.facts / (ms / 1000)).toLocaleString('en-US')} facts/s)`
	);
}

// ---- queries --------------------------------------------------------------------------------
const usage = new UsageService(target);
console.log(`database: ${flags.db}`);
const runs = Number(flags.runs);
const rawRuns = Number(flags['raw-runs']);
const widgets = REPORT_NAMES.filter((name) => name !== 'notes');
let failures = 0;

for (const range of flags.ranges.split(',')) {
	const query = { range, tz: flags.tz, pageSize: '10' };
	const withRaw = range === flags['raw-range'];
	console.log(
		`\nrange ${range}, ${flags.tz}${withRaw ? ` (raw aggregates: ${rawRuns} runs each)` : ''}, ${runs} runs, load ${load()}`
	);
	const rows: Row[] = [];
	for (const name of widgets) {
		const one = [name] as ReportName[];
		let fromRollups: unknown;
		let fromRaw: unknown;
		const rollup = await measure(
			runs,
			async () => (fromRollups = (await usage.run(one, query))[name].rows)
		);
		let raw;
		if (withRaw) {
			raw = await measure(
				rawRuns,
				async () => (fromRaw = (await usage.run(one, query, { source: 'raw' }))[name].rows),
				false
			);
			// The same numbers, whichever way they were counted.
			if (!isDeepStrictEqual(fromRollups, fromRaw)) {
				failures++;
				console.log(`  MISMATCH: ${name} from the rollups differs from the raw facts`);
			}
		}
		rows.push({ widget: name, rollup, raw, goalMs: WIDGET_GOAL_MS });
	}
	const reports = [...DASHBOARD_REPORTS];
	rows.push({
		widget: 'whole page',
		rollup: await measure(runs, () => usage.run(reports, query)),
		raw: withRaw
			? await measure(Math.min(rawRuns, 2), () => usage.run(reports, query, { source: 'raw' }))
			: undefined,
		goalMs: PAGE_GOAL_MS
	});
	console.log(table(rows));
	const missed = rows.filter((r) => r.rollup.wallP95 >= r.goalMs);
	console.log(
		missed.length
			? `verdict: ${missed.length} of ${rows.length} over the goal by wall time: ${missed.map((r) => r.widget).join(', ')}`
			: `verdict: PASS, every widget p95 < ${WIDGET_GOAL_MS} ms and the page p95 < ${PAGE_GOAL_MS} ms`
	);
}
await usage.close();
if (postgresUrl && !flags.keep) await dropBenchDatabase(postgresUrl);
if (failures) {
	console.error(`\n${failures} widget(s) disagreed with the raw facts`);
	process.exitCode = 1;
}
if (flags.keep) console.log(`\nkept the database: ${postgresUrl ?? file}`);
