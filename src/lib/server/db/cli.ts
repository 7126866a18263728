/**
 * `parley db …`: the database on its own, without the web server. `migrate` and `status` work on
 * the configured database (DATABASE_URL, or the SQLite file in DATA_DIR); `copy` moves a whole
 * workspace from it (or --from) into another database.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { copyDatabase, DEFAULT_BATCH_SIZE } from './copy/copy.ts';
import { CopyError, CopyInterruptedError } from './copy/errors.ts';
import { CopyProgress, verificationTable } from './copy/terminal.ts';
import { DatabaseUnavailableError } from './errors.ts';
import { applyMigrations, migrationStatus, MigrationError, statusOf } from './migrate.ts';
import {
	DatabaseUrlError,
	describeTarget,
	parseDatabaseUrl,
	type DatabaseTarget
} from './target.ts';

export const DB_USAGE = `Usage:
  parley db status                  list applied and pending migrations
  parley db migrate                 apply pending migrations (start-up does it too)
  parley db copy --to URL [--from URL] [--batch-size N]
                                    copy the whole workspace into another database

The database is DATABASE_URL, or the SQLite file in DATA_DIR (file:DATA_DIR/parley.db).
copy reads from it (or --from) without changing it, migrates the target (--to: file:PATH or
postgresql://user:password@host:5432/database), which must be empty, copies every table with a
progress bar, and ends with a table of row counts and checksums that must match. Stop Parley first.
Interrupted, the same command continues where it stopped.

Exit codes: 0 done, 1 failed (status: the database is newer than this Parley; copy: the
verification found differences), 2 bad usage, 130 copy interrupted (run it again to continue).`;

/** Runs `parley db …` with the arguments after `db`; resolves with the exit code. */
export async function runDbCli(args: string[]): Promise<number> {
	let parsed;
	try {
		parsed = parseArgs({
			args,
			allowPositionals: true,
			options: {
				to: { type: 'string' },
				from: { type: 'string' },
				'batch-size': { type: 'string' },
				help: { type: 'boolean', short: 'h', default: false }
			}
		});
	} catch (error) {
		return usageError(error instanceof Error ? error.message : String(error));
	}
	const { values, positionals } = parsed;
	if (values.help) {
		process.stdout.write(`${DB_USAGE}\n`);
		return 0;
	}
	const command = positionals.join(' ');
	if (!['status', 'migrate', 'copy'].includes(command)) {
		return usageError(`Unknown command: db ${command}`.trimEnd());
	}
	if (command !== 'copy' && (values.to || values.from || values['batch-size'])) {
		return usageError(`--to, --from and --batch-size are options of db copy`);
	}
	try {
		if (command === 'status') return await status(configured());
		if (command === 'migrate') return await migrate(configured());
		if (!values.to) return usageError('db copy needs --to URL: the database to copy into');
		const batchSize = Number(values['batch-size'] ?? DEFAULT_BATCH_SIZE);
		if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
			return usageError('--batch-size must be a whole number from 1 to 100000');
		}
		const from = values.from ? option('--from', values.from) : configured();
		return await copy(from, option('--to', values.to), batchSize);
	} catch (error) {
		if (
			error instanceof MigrationError ||
			error instanceof DatabaseUnavailableError ||
			error instanceof DatabaseUrlError ||
			error instanceof CopyError
		) {
			process.stderr.write(`${error.message}\n`);
			return 1;
		}
		throw error;
	}
}

function usageError(message: string): number {
	process.stderr.write(`${message}\n\n${DB_USAGE}\n`);
	return 2;
}

function configured(): DatabaseTarget {
	return loadConfig().database;
}

function option(name: string, url: string): DatabaseTarget {
	try {
		return parseDatabaseUrl(url);
	} catch (error) {
		if (error instanceof DatabaseUrlError) {
			throw new DatabaseUrlError(error.message.replace(/^DATABASE_URL/, name));
		}
		throw error;
	}
}

function list(title: string, names: string[]): string {
	return [`${title} (${names.length}):`, ...names.map((n) => `  ${n}`)].join('\n');
}

async function status(target: DatabaseTarget): Promise<number> {
	process.stdout.write(`Database: ${describeTarget(target)}\n`);
	if (target.kind === 'sqlite' && !existsSync(target.file)) {
		// Looking must not create the file.
		process.stdout.write(
			`No database there yet: Parley creates it on start (or parley db migrate).\n${list('Pending', statusOf(target.kind, []).pending)}\n`
		);
		return 0;
	}
	const { applied, pending, unknown } = await migrationStatus(target);
	const lines = [list('Applied', applied), list('Pending', pending)];
	if (pending.length) lines.push('Run parley db migrate (or start Parley) to apply them.');
	if (unknown.length) {
		lines.push(
			list('Unknown to this version of Parley', unknown),
			'The database was upgraded by a newer Parley: run that version, or restore a backup taken before the upgrade.'
		);
	}
	process.stdout.write(`${lines.join('\n')}\n`);
	return unknown.length ? 1 : 0;
}

async function migrate(target: DatabaseTarget): Promise<number> {
	const applied = await applyMigrations(target);
	process.stdout.write(
		applied.length
			? `${list(`Applied to ${describeTarget(target)}`, applied)}\n`
			: `${describeTarget(target)} is up to date: no pending migrations.\n`
	);
	return 0;
}

async function copy(from: DatabaseTarget, to: DatabaseTarget, batchSize: number): Promise<number> {
	process.stderr.write(`Copying ${describeTarget(from)} → ${describeTarget(to)}\n`);
	const progress = new CopyProgress();
	let stop = false;
	const onSignal = () => {
		if (stop) process.exit(130);
		stop = true;
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		const result = await copyDatabase({
			from,
			to,
			batchSize,
			onEvent: (event) => progress.update(event),
			stopRequested: () => stop
		});
		progress.clear();
		const rate = result.copyMs > 0 ? Math.round((result.copied / result.copyMs) * 1000) : 0;
		const number = new Intl.NumberFormat('en-US');
		process.stdout.write(
			`${verificationTable(result)}\n\n${result.resumed ? 'Resumed: ' : ''}copied ${number.format(result.copied)} rows in ${(result.copyMs / 1000).toFixed(1)} s (${number.format(rate)} rows/s).\n`
		);
		if (result.verified) {
			process.stdout.write('Verified: every table matches.\n');
			return 0;
		}
		const differ = result.checks.filter((c) => !c.matches).map((c) => c.table);
		process.stdout.write(
			`Verification failed: ${differ.join(', ')} differ${differ.length === 1 ? 's' : ''}. Was Parley running on the source? Stop it, drop the target database and copy again.\n`
		);
		return 1;
	} catch (error) {
		if (!(error instanceof CopyInterruptedError)) throw error;
		progress.clear();
		process.stderr.write('Interrupted. Run the same command again to continue.\n');
		return 130;
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
}
