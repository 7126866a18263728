/**
 * bench:analytics' database: generated afresh (SQLite, then copied to PostgreSQL with --db=postgres)
 * or reused from an earlier run that kept it (`--keep`, then `--reuse=<dir>` or `--reuse=<url>`), so
 * a 10M-fact database is generated once. A kept folder holds parley.db and manifest.json (what was
 * generated, and when: the ranges end today, so a database from another day is a day behind).
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDatabaseUrl, type DatabaseTarget } from '../../src/lib/server/db/target.ts';
import { applyMigrations } from '../../src/lib/server/db/migrate.ts';
import { rebuild } from '../../src/lib/server/usage/rebuild.ts';
import { generate, type Generated } from './analytics-generate.ts';
import { tempDir } from './harness.ts';
import {
	ROLLUP_TABLES,
	TABLES,
	copyToPostgres,
	createBenchDatabase,
	dropBenchDatabase
} from './analytics-postgres.ts';
import { verifyCopiedRollups } from './analytics-verify.ts';

export interface DataOptions {
	db: 'sqlite' | 'postgres';
	/** A kept folder (or its parley.db), or a PostgreSQL URL with a database name. */
	reuse?: string;
	keep: boolean;
	/** Rebuild the rollups: by default only when the facts were just generated or copied. */
	rebuild?: boolean;
	/**
	 * PostgreSQL's rollups: rebuilt there (the app's rebuild), or built on the SQLite file and
	 * copied, checked against PostgreSQL's rebuild of the last days (analytics-verify.ts).
	 */
	rollups: 'rebuild' | 'copy';
	users: number;
	facts: number;
	days: number;
	budgetSeconds: number;
	/** Server URL without a database name, for a new PostgreSQL database. */
	postgresAdmin?: string;
}

export interface BenchData {
	target: DatabaseTarget;
	/** A data folder for the server (SQLite: the one holding parley.db). */
	dataDir: string;
	/** How to run on this data again, when it is kept. */
	reuseWith?: string;
	/** Removes what this run made and does not keep. */
	dispose(): Promise<void>;
}

interface Manifest extends Generated {
	users: number;
	days: number;
	endDay: number;
	generatedAt: string;
	generateSeconds: number;
	/** Whether the file's rollups were built (a PostgreSQL run copies the facts only). */
	rollups: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString('en-US');
const PREFIX = 'parley-bench-analytics-';
const manifestOf = (dir: string) => path.join(dir, 'manifest.json');
const isUrl = (value: string) => /^postgres(ql)?:\/\//.test(value);

async function generateInto(dir: string, options: DataOptions): Promise<void> {
	const started = performance.now();
	let lastReport = started;
	const endDay = Math.floor(Date.now() / 86_400_000) + 1;
	const made = await generate({
		file: path.join(dir, 'parley.db'),
		users: options.users,
		facts: options.facts,
		days: options.days,
		endDay,
		budgetMs: options.budgetSeconds * 1000,
		onDay(day, total, facts) {
			if (performance.now() - lastReport < 15_000) return;
			lastReport = performance.now();
			console.log(
				`  generating: day ${day}/${total}, ${count(facts)} facts, ${seconds(lastReport - started)}`
			);
		}
	});
	const ms = performance.now() - started;
	if (made.scale < 1) {
		console.log(
			`the target of ${count(options.facts)} facts would not fit the ${options.budgetSeconds} s budget on this machine: after the first days the rest was thinned to ${(made.scale * 100).toFixed(0)} % (raise --budget to go further)`
		);
	}
	console.log(
		`generated ${count(made.facts)} facts (${count(made.answers)} answers, ${count(made.messages)} channel messages), ${options.users} people (+10% imported) over ${options.days} days in ${seconds(ms)} (${count(Math.round(made.facts / (ms / 1000)))} facts/s, indexes included)`
	);
	const manifest: Manifest = {
		...made,
		users: options.users,
		days: options.days,
		endDay,
		generatedAt: new Date().toISOString(),
		generateSeconds: Math.round(ms / 1000),
		rollups: false
	};
	writeFileSync(manifestOf(dir), JSON.stringify(manifest, null, '\t'));
}

function readManifest(dir: string): Manifest | null {
	const file = manifestOf(dir);
	return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Manifest) : null;
}

/** The kept folder's manifest, with a warning when it was generated on another day. */
function describeKept(dir: string): void {
	const m = readManifest(dir);
	if (!m) return;
	console.log(
		`reusing ${count(m.facts)} facts, ${m.users} people over ${m.days} days, generated ${m.generatedAt} in ${m.generateSeconds} s`
	);
	const behind = Math.floor(Date.now() / 86_400_000) + 1 - m.endDay;
	if (behind > 0) {
		console.log(`  note: generated ${behind} day(s) ago, so the ranges' last days have no facts`);
	}
}

async function rebuildRollups(target: DatabaseTarget, label: string): Promise<void> {
	const started = performance.now();
	const result = await rebuild(target);
	const ms = performance.now() - started;
	console.log(
		`rebuilt the rollups on ${label} (parley usage rebuild): ${result.days} days, ${count(result.facts)} facts in ${seconds(ms)} (${count(Math.round(result.facts / (ms / 1000)))} facts/s)`
	);
}

/** Generates or finds the bench's database, as the options say. */
export async function prepareData(options: DataOptions): Promise<BenchData> {
	let keptDir: string | undefined;
	// Removed at exit (bench/lib/harness.ts), also on an interrupted run; a kept one is not.
	const scratch = () => tempDir(PREFIX);
	let dataDir: string;
	let fresh = false;
	if (options.reuse && isUrl(options.reuse)) {
		if (options.db !== 'postgres') throw new Error('--reuse=<url> needs --db=postgres');
		const target = parseDatabaseUrl(options.reuse);
		console.log(`reusing the PostgreSQL database ${options.reuse}`);
		if (options.rebuild) await rebuildRollups(target, 'PostgreSQL');
		return { target, dataDir: scratch(), dispose: async () => {} };
	}
	if (options.reuse) {
		const given = path.resolve(options.reuse);
		dataDir = existsSync(given) && statSync(given).isFile() ? path.dirname(given) : given;
		if (!existsSync(path.join(dataDir, 'parley.db'))) {
			throw new Error(`--reuse: no parley.db in ${dataDir}`);
		}
		describeKept(dataDir);
		keptDir = dataDir;
	} else {
		dataDir = options.keep ? mkdtempSync(path.join(os.tmpdir(), PREFIX)) : scratch();
		await generateInto(dataDir, options);
		fresh = true;
		if (options.keep) keptDir = dataDir;
	}
	const file = path.join(dataDir, 'parley.db');

	const sqlite = parseDatabaseUrl(`file:${file}`);
	// A kept folder from before a migration: bring its schema up to date, and its rollups with it.
	const migrated = (await applyMigrations(sqlite)).length > 0;
	const manifest = readManifest(dataDir);
	const sqliteRollups = async () => {
		await rebuildRollups(sqlite, 'SQLite');
		if (manifest) {
			writeFileSync(
				manifestOf(dataDir),
				JSON.stringify({ ...manifest, rollups: true }, null, '\t')
			);
		}
	};
	if (options.db === 'sqlite') {
		if (options.rebuild ?? (fresh || migrated || manifest?.rollups === false)) {
			await sqliteRollups();
		}
		return {
			target: sqlite,
			dataDir,
			reuseWith: keptDir ? `--db=sqlite --reuse=${keptDir}` : undefined,
			dispose: async () => {}
		};
	}
	const copyRollups = options.rollups === 'copy';
	if (copyRollups && (options.rebuild || fresh || migrated || manifest?.rollups === false)) {
		await sqliteRollups();
	}
	if (!options.postgresAdmin) throw new Error('--db=postgres needs POSTGRES_URL');
	const started = performance.now();
	const url = await createBenchDatabase(options.postgresAdmin);
	const target = parseDatabaseUrl(url);
	let rows = 0;
	const tables = copyRollups ? [...TABLES, ...ROLLUP_TABLES] : TABLES;
	await copyToPostgres(file, url, (_table, n) => (rows += n), tables);
	console.log(
		`copied ${count(rows)} rows (${tables.join(', ')}) to PostgreSQL ${target.kind === 'postgres' ? target.database : ''} in ${seconds(performance.now() - started)} (COPY, indexes and ANALYZE included)`
	);
	if (!copyRollups) {
		await rebuildRollups(target, 'PostgreSQL');
	} else if (target.kind === 'postgres') {
		const lastDay = manifest?.endDay ?? Math.floor(Date.now() / 86_400_000) + 1;
		const check = await verifyCopiedRollups(target, lastDay, 7);
		console.log(
			`checked the copied rollups against PostgreSQL's rebuild of the last 7 days (${count(check.rows)} rows, ${seconds(check.ms)}): ${check.differing.length ? `DIFFERENT in ${check.differing.join(', ')}` : 'identical'}`
		);
		if (check.differing.length) throw new Error('the copied rollups differ from the rebuild');
	}
	return {
		target,
		dataDir: scratch(),
		reuseWith: options.keep ? `--db=postgres --reuse=${url}` : undefined,
		async dispose() {
			if (!options.keep) await dropBenchDatabase(url);
		}
	};
}
