import type { Endpoint } from './endpoint.ts';
import { CopyError } from './errors.ts';
import { quote, type Table } from './tables.ts';
import type { Value } from './values.ts';

/**
 * How far a copy got, kept in the target itself so a rerun continues where it stopped: per table,
 * the key of the last row copied and whether it is complete. Each batch and its progress row
 * commit together, so the two never disagree. Dropped once the copy is verified.
 */
const PROGRESS_DDL = `CREATE TABLE IF NOT EXISTS "_parley_copy" (
	"table" TEXT NOT NULL PRIMARY KEY,
	"source" TEXT NOT NULL,
	"lastKey" TEXT,
	"rows" BIGINT NOT NULL DEFAULT 0,
	"done" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Rows of a tree (Message.parentId) whose parent comes later in key order were inserted without
 * it; their parents, set once the whole table is in.
 */
const LINKS_DDL = `CREATE TABLE IF NOT EXISTS "_parley_copy_link" (
	"table" TEXT NOT NULL,
	"key" TEXT NOT NULL,
	"parent" TEXT NOT NULL,
	PRIMARY KEY ("table", "key")
)`;

export interface TableProgress {
	lastKey: Value[] | null;
	rows: number;
	done: boolean;
}

/**
 * Starts or resumes a copy into `target`. A target with a copy from another source, or with data
 * of its own, is refused: nothing in it is changed.
 */
export async function beginProgress(
	target: Endpoint,
	tables: Table[],
	source: string
): Promise<Map<string, TableProgress>> {
	const names = await target.tableNames();
	if (names.includes('_parley_copy')) {
		const rows = await target.query('SELECT * FROM "_parley_copy"');
		const other = rows.find((r) => r.source !== source);
		if (other) {
			throw new CopyError(
				`${target.label} holds an unfinished copy from ${String(other.source)}: continue it with that source, or copy into a new, empty database.`
			);
		}
		return new Map(
			rows.map((r) => [
				r.table as string,
				{
					lastKey: r.lastKey === null ? null : (JSON.parse(r.lastKey as string) as Value[]),
					rows: Number(r.rows),
					done: Number(r.done) === 1
				}
			])
		);
	}
	for (const table of tables) {
		if ((await target.query(`SELECT 1 AS "one" FROM ${quote(table.name)} LIMIT 1`)).length) {
			throw new CopyError(
				`${target.label} already holds data (table ${table.name} is not empty): copy into a new, empty database.`
			);
		}
	}
	await target.transaction(async () => {
		await target.run(PROGRESS_DDL);
		await target.run(LINKS_DDL);
		for (const table of tables) {
			await target.run('INSERT INTO "_parley_copy" ("table", "source") VALUES (?, ?)', [
				table.name,
				source
			]);
		}
	});
	return new Map(tables.map((t) => [t.name, { lastKey: null, rows: 0, done: false }]));
}

/** Records a batch; call inside the batch's transaction. */
export async function recordBatch(target: Endpoint, table: Table, progress: TableProgress) {
	await target.run('UPDATE "_parley_copy" SET "lastKey" = ?, "rows" = ? WHERE "table" = ?', [
		JSON.stringify(progress.lastKey),
		progress.rows,
		table.name
	]);
}

export async function deferParents(target: Endpoint, table: Table, links: [string, string][]) {
	for (const [key, parent] of links) {
		await target.run(
			'INSERT INTO "_parley_copy_link" ("table", "key", "parent") VALUES (?, ?, ?)',
			[table.name, key, parent]
		);
	}
}

/** Sets the parents deferred while copying `table` and marks it complete, in one transaction. */
export async function finishTable(target: Endpoint, table: Table): Promise<void> {
	await target.transaction(async () => {
		if (table.parent) {
			const t = quote(table.name);
			const key = quote(table.columns[table.parent.key].name);
			const parent = quote(table.columns[table.parent.column].name);
			await target.run(
				`UPDATE ${t} SET ${parent} = (SELECT l."parent" FROM "_parley_copy_link" l WHERE l."table" = ? AND l."key" = ${t}.${key})
				 WHERE ${key} IN (SELECT "key" FROM "_parley_copy_link" WHERE "table" = ?)`,
				[table.name, table.name]
			);
			await target.run('DELETE FROM "_parley_copy_link" WHERE "table" = ?', [table.name]);
		}
		await target.run('UPDATE "_parley_copy" SET "done" = 1 WHERE "table" = ?', [table.name]);
	});
}

/** A verified copy leaves no trace of its bookkeeping. */
export async function dropProgress(target: Endpoint): Promise<void> {
	await target.run('DROP TABLE IF EXISTS "_parley_copy_link"');
	await target.run('DROP TABLE IF EXISTS "_parley_copy"');
}
