/**
 * Streams a table from the generated SQLite file into PostgreSQL with `COPY … FROM STDIN` (CSV),
 * through the `psql` that comes with the server (node-postgres has no COPY of its own): about ten
 * times the rows per second of batched `unnest` inserts, which made a 10M-fact copy take longer
 * than generating the facts.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import type Database from 'better-sqlite3';

/** psql on PATH, or Debian's /usr/lib/postgresql/<version>/bin/psql. */
function psqlBinary(): string {
	const root = '/usr/lib/postgresql';
	if (existsSync(root)) {
		for (const version of readdirSync(root).sort().reverse()) {
			const candidate = `${root}/${version}/bin/psql`;
			if (existsSync(candidate)) return candidate;
		}
	}
	return 'psql';
}

/** One CSV field: NULL unquoted and empty, text always quoted (so '' stays an empty string). */
function field(value: unknown): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'string') return `"${value.replaceAll('"', '""')}"`;
	return String(value);
}

const CHUNK = 1 << 20;

/**
 * Copies `columns` of `table` from `source` into the same table at `url`; returns the rows copied.
 * Booleans are SQLite's 0 and 1, which PostgreSQL's boolean input accepts. With `trusted` (a
 * superuser, as on the bench's throwaway cluster) the foreign-key triggers are skipped: the rows
 * come from a database that enforced the same keys, and checking each one again costs more than
 * the copy itself.
 */
export async function copyTable(
	source: Database.Database,
	url: string,
	table: string,
	columns: string[],
	trusted = false
): Promise<number> {
	const names = columns.map((c) => `"${c}"`).join(', ');
	const psql = spawn(
		psqlBinary(),
		[
			url,
			'-X',
			'-q',
			'-v',
			'ON_ERROR_STOP=1',
			...(trusted ? ['-c', 'SET session_replication_role = replica'] : []),
			'-c',
			`COPY "${table}" (${names}) FROM STDIN WITH (FORMAT csv)`
		],
		{ stdio: ['pipe', 'ignore', 'pipe'] }
	);
	let errors = '';
	psql.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
	const exited = once(psql, 'close') as Promise<[number | null]>;
	let rows = 0;
	let buffer = '';
	const read = source.prepare(`SELECT ${names} FROM "${table}"`).raw();
	for (const row of read.iterate() as Iterable<unknown[]>) {
		buffer += row.map(field).join(',') + '\n';
		rows++;
		if (buffer.length >= CHUNK) {
			if (!psql.stdin.write(buffer)) await once(psql.stdin, 'drain');
			buffer = '';
		}
	}
	psql.stdin.end(buffer);
	const [code] = await exited;
	if (code !== 0) throw new Error(`COPY "${table}" failed (psql exit ${code}): ${errors.trim()}`);
	return rows;
}
