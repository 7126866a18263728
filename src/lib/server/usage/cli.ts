/**
 * `parley usage rebuild` and `parley report …`: maintenance and reports without starting the web
 * server. Opens the same App (configuration from the environment, migrations, services) as
 * `npm start`.
 *
 *   parley usage rebuild [--instance <id>]
 *   parley report list
 *   parley report <name> [--range 30d | --from 2026-03-01 --to 2026-03-31] [--tz Europe/Paris]
 *                 [--instance <id>] [--model <name>] [--user <id>] [--sort <column>] [--dir desc]
 *                 [--page 1] [--page-size 25] [--models a,b] [--format table|csv|json]
 */
import { parseArgs } from 'node:util';
import { AppError } from '../errors.ts';
import { openApp } from '../boot.ts';
import { forgetApp, type App } from '../app.ts';
import { toCsv, toTextTable } from './export.ts';
import { reportCatalogue, reportName } from './usage.service.ts';
import { usageQueryInput } from '#lib/shared/schemas/usage.ts';

export const USAGE_HELP = `Usage:
  parley usage rebuild [--instance <id>]   Recompute the usage rollups from the raw facts
  parley report list                       List the usage reports
  parley report <name> [options]           Print a usage report

Report options:
  --range today|7d|30d|90d|custom   preset ending today (default 30d)
  --from YYYY-MM-DD --to YYYY-MM-DD  a custom range, inclusive
  --tz <IANA zone>                  days and hours in this time zone (default UTC)
  --instance <id> --model <name> --user <id>   filters
  --sort <column> --dir asc|desc --page <n> --page-size <n>   for the models and users tables
  --models a,b,c                    the models to compare (report compare)
  --format table|csv|json           output (default table)

Configuration comes from the environment, as for the server (DATA_DIR, DATABASE_URL).`;

function parse(args: string[]) {
	return parseArgs({
		args,
		allowPositionals: true,
		options: {
			range: { type: 'string' },
			from: { type: 'string' },
			to: { type: 'string' },
			tz: { type: 'string' },
			instance: { type: 'string' },
			model: { type: 'string' },
			user: { type: 'string' },
			sort: { type: 'string' },
			dir: { type: 'string' },
			page: { type: 'string' },
			'page-size': { type: 'string' },
			models: { type: 'string' },
			format: { type: 'string', default: 'table' },
			help: { type: 'boolean', short: 'h' }
		}
	});
}
type Parsed = ReturnType<typeof parse>;

class UsageError extends Error {}

function reportQuery(values: Parsed['values']): Record<string, string> {
	const { 'page-size': pageSize, ...rest } = values;
	const entries = Object.entries({ ...rest, pageSize }).filter(
		(entry): entry is [string, string] => typeof entry[1] === 'string'
	);
	return usageQueryInput(entries);
}

async function main(app: App, { values, positionals }: Parsed): Promise<string> {
	const [command, sub, ...extra] = positionals;
	if (values.help || !command || command === 'help') return USAGE_HELP;
	if (extra.length) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}`);
	if (command === 'usage' && sub === 'rebuild') {
		const started = Date.now();
		const result = await app.usage.rebuild({
			instanceId: values.instance,
			onDay: (done, total) => {
				if (process.stderr.isTTY) process.stderr.write(`\rrebuilding: day ${done} of ${total}`);
			}
		});
		if (process.stderr.isTTY) process.stderr.write('\n');
		return `Rebuilt the usage rollups: ${result.days} days, ${result.facts} facts in ${((Date.now() - started) / 1000).toFixed(1)} s.`;
	}
	if (command === 'report' && sub === 'list') {
		return reportCatalogue()
			.map((r) => `${r.name.padEnd(16)} ${r.description}`)
			.join('\n');
	}
	if (command === 'report' && sub) {
		const format = values.format;
		if (format !== 'table' && format !== 'csv' && format !== 'json') {
			throw new UsageError('--format must be table, csv or json.');
		}
		const result = await app.usage.report(reportName(sub), reportQuery(values));
		if (format === 'json') return JSON.stringify(result, null, 2);
		if (format === 'csv') return toCsv(result).trimEnd();
		const { window, paging } = result;
		const page = paging
			? `  ·  page ${paging.page} of ${Math.max(1, Math.ceil(paging.total / paging.pageSize))} (${paging.total} rows, by ${paging.sort} ${paging.dir})`
			: '';
		const heading = `${reportCatalogue().find((r) => r.name === sub)?.title}: ${window.from} to ${window.to} (${window.tz})${page}`;
		return `${heading}\n\n${result.rows.length ? toTextTable(result) : 'Nothing in this range.'}`;
	}
	throw new UsageError(`Unknown command: ${positionals.join(' ')}`);
}

/** Runs `parley usage …` and `parley report …` (the whole argument list); resolves with the exit code. */
export async function runUsageCli(argv: string[]): Promise<number> {
	// Logs would mix with the output; the CLI reports problems itself.
	process.env.LOG_LEVEL ??= 'silent';
	let app: App | undefined;
	try {
		const parsed = parse(argv);
		app = await openApp();
		process.stdout.write(`${await main(app, parsed)}\n`);
		return 0;
	} catch (error) {
		if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE_HELP}\n`);
		else if (AppError.is(error)) process.stderr.write(`parley: ${error.message}\n`);
		else if (isArgError(error)) process.stderr.write(`${error.message}\n\n${USAGE_HELP}\n`);
		else process.stderr.write(`parley: ${error instanceof Error ? error.stack : String(error)}\n`);
		return error instanceof UsageError || AppError.is(error) || isArgError(error) ? 2 : 1;
	} finally {
		await app?.close();
		forgetApp();
	}
}

/** node:util parseArgs refuses unknown or malformed options with these codes. */
function isArgError(error: unknown): error is Error {
	return (
		error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')
	);
}
