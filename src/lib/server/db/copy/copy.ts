import { applyMigrations, statusOf } from '../migrate.ts';
import type { DatabaseTarget } from '../target.ts';
import { openEndpoint, type Endpoint } from './endpoint.ts';
import { CopyError, CopyInterruptedError } from './errors.ts';
import { planTables } from './plan.ts';
import {
	beginProgress,
	deferParents,
	dropProgress,
	finishTable,
	recordBatch,
	type TableProgress
} from './progress.ts';
import { quote, type Table } from './tables.ts';
import { TableChecksum, type Row, type Value } from './values.ts';

export const DEFAULT_BATCH_SIZE = 5000;

export type CopyEvent =
	| { phase: 'copy'; table: string; done: number; total: number }
	| { phase: 'copied'; table: string; rows: number; ms: number; resumed: boolean }
	| { phase: 'verify'; table: string; done: number; total: number };

export interface TableCheck {
	table: string;
	source: { rows: number; checksum: string };
	target: { rows: number; checksum: string };
	matches: boolean;
}

export interface CopyResult {
	/** Rows this run copied (a resumed run leaves out what the earlier runs did). */
	copied: number;
	resumed: boolean;
	copyMs: number;
	checks: TableCheck[];
	verified: boolean;
}

export interface CopyOptions {
	from: DatabaseTarget;
	to: DatabaseTarget;
	batchSize?: number;
	onEvent?: (event: CopyEvent) => void;
	/** Checked between batches: a true answer stops the copy, resumable, with an InterruptedError. */
	stopRequested?: () => boolean;
}

/**
 * Copies every table of a Parley database into another one (SQLite or PostgreSQL, either way),
 * then verifies both hold the same rows. The source is opened read-only. The target is migrated
 * first and must be empty, or hold an unfinished copy from the same source, which is continued.
 * Tables go in foreign-key order, each in primary-key order in batches; each batch commits with
 * its progress, so an interruption loses at most the batch in flight.
 */
export async function copyDatabase(options: CopyOptions): Promise<CopyResult> {
	const { from, to, onEvent = () => {} } = options;
	const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
	if (from.url === to.url) throw new CopyError('The source and the target are the same database.');
	const source = await openEndpoint(from, 'read-only');
	let target: Endpoint | undefined;
	try {
		await assertCurrent(source);
		await applyMigrations(to);
		target = await openEndpoint(to, 'read-write');
		const tables = await planTables(source, target);
		const progress = await beginProgress(target, tables, source.label);
		const resumed = [...progress.values()].some((p) => p.rows > 0 || p.done);
		const started = performance.now();
		let copied = 0;
		for (const table of tables) {
			const state = progress.get(table.name) ?? { lastKey: null, rows: 0, done: false };
			if (state.done) continue;
			const before = state.rows;
			const tableStarted = performance.now();
			await copyTable(source, target, table, state, batchSize, onEvent, options.stopRequested);
			await finishTable(target, table);
			if (table.serial && target.dialect === 'postgres') {
				await advanceSequence(target, table.name, table.serial);
			}
			copied += state.rows - before;
			onEvent({
				phase: 'copied',
				table: table.name,
				rows: state.rows,
				ms: performance.now() - tableStarted,
				resumed: before > 0
			});
		}
		const copyMs = performance.now() - started;
		const checks: TableCheck[] = [];
		for (const table of tables) checks.push(await verifyTable(source, target, table, onEvent));
		const verified = checks.every((c) => c.matches);
		if (verified) await dropProgress(target);
		return { copied, resumed, copyMs, checks, verified };
	} finally {
		await source.close();
		await target?.close();
	}
}

/**
 * The source must be migrated to exactly this version of Parley (it is never migrated here: the
 * copy does not write to it). Read from its `_prisma_migrations` like `parley db status`.
 */
async function assertCurrent(source: Endpoint): Promise<void> {
	if (!(await source.tableNames()).includes('_prisma_migrations')) {
		throw new CopyError(`${source.label} is not a Parley database (it has no migrations).`);
	}
	const finished = await source.query(
		'SELECT "migration_name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL'
	);
	const { pending, unknown } = statusOf(
		source.dialect,
		finished.map((r) => r.migration_name as string)
	);
	if (unknown.length) {
		throw new CopyError(
			`${source.label} has migrations this version of Parley does not know: copy it with the Parley that upgraded it.`
		);
	}
	if (pending.length) {
		throw new CopyError(
			`${source.label} has pending migrations: run \`parley db migrate\` on it (or start Parley on it once), then copy.`
		);
	}
}

async function copyTable(
	source: Endpoint,
	target: Endpoint,
	table: Table,
	state: TableProgress,
	batchSize: number,
	onEvent: (event: CopyEvent) => void,
	stopRequested: () => boolean = () => false
): Promise<void> {
	const total = await countRows(source, table);
	const keyOf = (row: Row): Value[] => table.key.map((i) => row[i]);
	onEvent({ phase: 'copy', table: table.name, done: state.rows, total });
	// The next batch is read while the current one is written.
	let next = source.read(table, state.lastKey, batchSize);
	for (;;) {
		const rows = await next;
		if (!rows.length) return;
		if (stopRequested()) throw new CopyInterruptedError('Interrupted');
		next = source.read(table, keyOf(rows[rows.length - 1]), batchSize);
		// Keep the rejection of a read started ahead from going unhandled if this batch fails.
		next.catch(() => {});
		const links = table.parent ? await detachLaterParents(target, table, table.parent, rows) : [];
		state.lastKey = keyOf(rows[rows.length - 1]);
		state.rows += rows.length;
		try {
			await target.transaction(async () => {
				await target.insert(table, rows);
				await deferParents(target, table, links);
				await recordBatch(target, table, state);
			});
		} catch (error) {
			// Say where: a row the target refuses (a reference missing in the source, text PostgreSQL
			// cannot hold) is found from its key. Everything before this batch stays copied.
			throw new CopyError(
				`Copying ${table.name} failed in the batch from key ${JSON.stringify(keyOf(rows[0]))}: ${(error as Error).message}`,
				{ cause: error }
			);
		}
		onEvent({ phase: 'copy', table: table.name, done: state.rows, total });
	}
}

/**
 * In a tree, a row whose parent is neither in the target yet nor in this batch is inserted without
 * it (its parent comes later in key order); the parent is set when the table is complete.
 */
async function detachLaterParents(
	target: Endpoint,
	table: Table,
	{ column, key }: NonNullable<Table['parent']>,
	rows: Row[]
): Promise<[string, string][]> {
	const inBatch = new Set(rows.map((r) => r[key]));
	const wanted = [...new Set(rows.map((r) => r[column]))].filter(
		(p): p is string => typeof p === 'string' && !inBatch.has(p)
	);
	if (!wanted.length) return [];
	const keyColumn = quote(table.columns[key].name);
	const present = new Set(
		(
			await target.query(
				`SELECT ${keyColumn} AS "key" FROM ${quote(table.name)} WHERE ${keyColumn} IN (${wanted.map(() => '?').join(', ')})`,
				wanted
			)
		).map((r) => r.key)
	);
	const links: [string, string][] = [];
	for (let i = 0; i < rows.length; i++) {
		const parent = rows[i][column];
		if (typeof parent === 'string' && !inBatch.has(parent) && !present.has(parent)) {
			links.push([String(rows[i][key]), parent]);
			rows[i] = rows[i].with(column, null);
		}
	}
	return links;
}

/** PostgreSQL's sequence behind an autoincrement key starts after the copied keys. */
async function advanceSequence(
	target: Endpoint,
	table: string,
	{ column, sequence }: NonNullable<Table['serial']>
): Promise<void> {
	await target.query(
		`SELECT setval(?, COALESCE((SELECT MAX(${quote(column)}) FROM ${quote(table)}), 0) + 1, false)`,
		[sequence]
	);
}

async function countRows(endpoint: Endpoint, table: Table): Promise<number> {
	const [row] = await endpoint.query(`SELECT COUNT(*) AS "n" FROM ${quote(table.name)}`);
	return Number(row.n);
}

const VERIFY_BATCH = 10_000;

async function checksum(
	endpoint: Endpoint,
	table: Table,
	onRows: (rows: number) => void
): Promise<TableChecksum> {
	const types = table.columns.map((c) => c.type);
	const sum = new TableChecksum();
	let after: Value[] | null = null;
	for (;;) {
		const rows = await endpoint.read(table, after, VERIFY_BATCH);
		if (!rows.length) return sum;
		for (const row of rows) sum.add(types, row);
		after = table.key.map((i) => rows[rows.length - 1][i]);
		onRows(rows.length);
	}
}

/** Counts and checksums one table on both sides, the same way (values in the copy's own form). */
async function verifyTable(
	source: Endpoint,
	target: Endpoint,
	table: Table,
	onEvent: (event: CopyEvent) => void
): Promise<TableCheck> {
	const total = 2 * (await countRows(source, table));
	let done = 0;
	const tick = (rows: number) =>
		onEvent({ phase: 'verify', table: table.name, done: (done += rows), total });
	const [from, to] = [await checksum(source, table, tick), await checksum(target, table, tick)];
	const s = { rows: from.rows, checksum: from.hex() };
	const t = { rows: to.rows, checksum: to.hex() };
	return {
		table: table.name,
		source: s,
		target: t,
		matches: s.rows === t.rows && s.checksum === t.checksum
	};
}
