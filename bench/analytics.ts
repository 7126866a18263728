/**
 * The usage dashboard at scale, on SQLite or PostgreSQL: generates a year of usage (10,000 people,
 * 10,000,000 channel messages and AI answers by default) into a SQLite database through the app's
 * tables (with --db=postgres, then copies those same rows into a fresh PostgreSQL database with
 * COPY), builds the rollups with the app's rebuild, then times every dashboard widget and the whole
 * page from the rollups, and the same widget computed straight from the raw facts in the same run.
 * Last, on the production server over that database: channel sends at a fixed rate while the page
 * loads, and what the page adds to their send→ack p99. Goals: every widget < 100 ms p95, the page
 * < 300 ms, a send's p99 no more than 20 ms later. See bench/README.md.
 *
 * Options (argv): --db=sqlite|postgres (PostgreSQL: the server at POSTGRES_URL, a URL without a
 * database name, as scripts/lib/postgres.sh exports it; a database is created and dropped)
 * --users=10000 --facts=10000000 --budget=300 (seconds for generating; the volume is thinned when
 * it would not fit) --days=365 --tz=Europe/Berlin --ranges=7d,30d,90d --runs=20 --raw-runs=3
 * --raw-range=30d --keep (keep the generated folder and the PostgreSQL database, and print how to
 * reuse them) --reuse=<kept folder or PostgreSQL URL> (skip generating; with --db=postgres and a
 * folder, copy its facts into a new database) --rebuild / --no-rebuild (by default the rollups are
 * built when the facts are new) --rollups=rebuild|copy (PostgreSQL: rebuild there, or build them
 * on the SQLite file and copy them, checked against PostgreSQL's rebuild of the last 7 days)
 * --send-rate=20 --send-seconds=10 (0 skips the send measurement) --timeout=40 (minutes)
 */
import os from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { UsageService } from '../src/lib/server/usage/usage.service.ts';
import { DASHBOARD_REPORTS, REPORT_NAMES, type ReportName } from '../src/lib/shared/usage.ts';
import { prepareData } from './lib/analytics-data.ts';
import { measure, table, type Row } from './lib/analytics-measure.ts';
import { guard } from './lib/harness.ts';
import { measureSendsDuringPage } from './lib/analytics-send.ts';

const { values: flags } = parseArgs({
	allowNegative: true,
	options: {
		rebuild: { type: 'boolean' },
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
		reuse: { type: 'string' },
		keep: { type: 'boolean', default: false },
		rollups: { type: 'string', default: 'rebuild' },
		'send-rate': { type: 'string', default: '20' },
		'send-seconds': { type: 'string', default: '10' },
		timeout: { type: 'string', default: '40' }
	}
});
const WIDGET_GOAL_MS = 100;
const PAGE_GOAL_MS = 300;
/** Minutes for the whole run: a 10M-fact run on a busy 2-core machine needs about 90. */
const TOTAL_TIMEOUT_MS = Number(flags.timeout) * 60_000;

if (flags.db !== 'sqlite' && flags.db !== 'postgres') {
	throw new Error('--db must be sqlite or postgres');
}
const postgresAdmin = process.env.POSTGRES_URL?.replace(/\/$/, '');
if (flags.db === 'postgres' && !postgresAdmin && !flags.reuse?.startsWith('postgres')) {
	throw new Error(
		'--db=postgres needs POSTGRES_URL (source scripts/lib/postgres.sh; start_postgres)'
	);
}
guard('bench:analytics', TOTAL_TIMEOUT_MS);

const load = () =>
	os
		.loadavg()
		.map((l) => l.toFixed(1))
		.join(' ');
console.log(
	`bench:analytics — ${os.cpus().length} cores, Node ${process.version}, load average ${load()}`
);

const data = await prepareData({
	db: flags.db,
	reuse: flags.reuse,
	keep: flags.keep,
	rebuild: flags.rebuild,
	rollups: flags.rollups === 'copy' ? 'copy' : 'rebuild',
	users: Number(flags.users),
	facts: Number(flags.facts),
	days: Number(flags.days),
	budgetSeconds: Number(flags.budget),
	postgresAdmin
});
const { target } = data;

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

const sendRate = Number(flags['send-rate']);
const sendSeconds = Number(flags['send-seconds']);
if (sendRate > 0 && sendSeconds > 0) {
	console.log(`\nload ${load()}`);
	await measureSendsDuringPage({
		target,
		dataDir: data.dataDir,
		ranges: flags.ranges.split(','),
		tz: flags.tz,
		rate: sendRate,
		seconds: sendSeconds
	});
	console.log(`load ${load()}`);
}
await data.dispose();
if (failures) {
	console.error(`\n${failures} widget(s) disagreed with the raw facts`);
	process.exitCode = 1;
}
if (data.reuseWith) console.log(`\nkept the database; run again with ${data.reuseWith}`);
