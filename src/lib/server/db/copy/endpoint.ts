import Database from 'better-sqlite3';
import pg from 'pg';
import { explainConnectError } from '../errors.ts';
import { describeTarget, type DatabaseTarget, type Dialect } from '../target.ts';
import { CopyError } from './errors.ts';
import { columnType, quote, type Column, type Table } from './tables.ts';
import {
	fromPostgres,
	fromSqlite,
	toPostgres,
	toSqlite,
	type ColumnType,
	type Row,
	type Value
} from './values.ts';

/** What a table looks like in one database's catalog. */
export interface TableShape {
	columns: Column[];
	key: string[];
	references: { table: string; columns: string[] }[];
	serial?: { column: string; sequence: string };
}

/**
 * One side of a copy, on its database's own driver: better-sqlite3, or one node-postgres connection.
 * SQL is written once with `?` placeholders and double-quoted identifiers taken from the catalog;
 * values always travel as parameters. Only the catalog queries differ per database.
 */
export interface Endpoint {
	readonly dialect: Dialect;
	/** Where the data is, without credentials. */
	readonly label: string;
	tableNames(): Promise<string[]>;
	describe(table: string): Promise<TableShape>;
	query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
	run(sql: string, params?: unknown[]): Promise<void>;
	/** Up to `limit` rows after the key `after` (null: from the start), in key order. */
	read(table: Table, after: Value[] | null, limit: number): Promise<Row[]>;
	insert(table: Table, rows: Row[]): Promise<void>;
	/**
	 * Runs `work` in one transaction. Foreign keys are checked when it commits on SQLite; on
	 * PostgreSQL each insert is one statement, checked at its end.
	 */
	transaction(work: () => Promise<void>): Promise<void>;
	close(): Promise<void>;
}

export async function openEndpoint(
	target: DatabaseTarget,
	mode: 'read-only' | 'read-write'
): Promise<Endpoint> {
	return target.kind === 'sqlite' ? openSqlite(target, mode) : openPostgres(target, mode);
}

function columnsOf(table: Table): string {
	return table.columns.map((c) => quote(c.name)).join(', ');
}

function readSql(table: Table, after: boolean): string {
	const key = table.key.map((i) => quote(table.columns[i].name)).join(', ');
	const where = after ? ` WHERE (${key}) > (${table.key.map(() => '?').join(', ')})` : '';
	return `SELECT ${columnsOf(table)} FROM ${quote(table.name)}${where} ORDER BY ${key} LIMIT ?`;
}

const COPY_CACHE_KIB = 256 * 1024;

function openSqlite(target: DatabaseTarget & { kind: 'sqlite' }, mode: string): Endpoint {
	let db: Database.Database;
	try {
		db = new Database(target.file, { readonly: mode === 'read-only', fileMustExist: true });
	} catch (error) {
		throw new CopyError(`Cannot open ${target.file}: ${(error as Error).message}`, {
			cause: error
		});
	}
	db.defaultSafeIntegers(true);
	if (mode === 'read-write') {
		db.pragma('journal_mode = WAL');
		db.pragma('synchronous = NORMAL');
		db.pragma('foreign_keys = ON');
		// Key order is not index order for most indexes (random ids, times): with SQLite's default
		// 2 MB cache every insert would go to disk for index pages.
		db.pragma(`cache_size = -${COPY_CACHE_KIB}`);
	}
	const statements = new Map<string, Database.Statement>();
	const prepare = (sql: string) => {
		let statement = statements.get(sql);
		if (!statement) statements.set(sql, (statement = db.prepare(sql)));
		return statement;
	};
	const types = (table: Table): ColumnType[] => table.columns.map((c) => c.type);
	return {
		dialect: 'sqlite',
		label: describeTarget(target),
		async tableNames() {
			return db
				.prepare(
					`SELECT "name" FROM "sqlite_master" WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite\\_%' ESCAPE '\\'`
				)
				.pluck()
				.all() as string[];
		},
		async describe(name) {
			const info = db
				.prepare('SELECT "name", "type", "pk" FROM pragma_table_info(?)')
				.all(name) as {
				name: string;
				type: string;
				pk: bigint;
			}[];
			const fks = db
				.prepare(
					'SELECT "id", "table", "from" FROM pragma_foreign_key_list(?) ORDER BY "id", "seq"'
				)
				.all(name) as { id: bigint; table: string; from: string }[];
			const references = new Map<bigint, { table: string; columns: string[] }>();
			for (const fk of fks) {
				const ref = references.get(fk.id) ?? { table: fk.table, columns: [] };
				ref.columns.push(fk.from);
				references.set(fk.id, ref);
			}
			return {
				columns: info.map((c) => ({
					name: c.name,
					type: columnType('sqlite', c.type),
					native: c.type
				})),
				key: info
					.filter((c) => c.pk > 0n)
					.sort((a, b) => Number(a.pk - b.pk))
					.map((c) => c.name),
				references: [...references.values()]
			};
		},
		async query(sql, params = []) {
			return prepare(sql).all(...params) as Record<string, unknown>[];
		},
		async run(sql, params = []) {
			prepare(sql).run(...params);
		},
		async read(table, after, limit) {
			const statement = prepare(readSql(table, after !== null)).raw(true);
			const keyParams = after
				? after.map((v, i) => toSqlite(table.columns[table.key[i]].type, v))
				: [];
			const kinds = types(table);
			return (statement.all(...keyParams, limit) as unknown[][]).map((raw) =>
				raw.map((value, i) => fromSqlite(kinds[i], value))
			);
		},
		async insert(table, rows) {
			const statement = prepare(
				`INSERT INTO ${quote(table.name)} (${columnsOf(table)}) VALUES (${table.columns.map(() => '?').join(', ')})`
			);
			const kinds = types(table);
			for (const row of rows) statement.run(...row.map((value, i) => toSqlite(kinds[i], value)));
		},
		async transaction(work) {
			db.exec('BEGIN IMMEDIATE');
			try {
				db.pragma('defer_foreign_keys = ON');
				await work();
				db.exec('COMMIT');
			} catch (error) {
				if (db.inTransaction) db.exec('ROLLBACK');
				throw error;
			}
		},
		close: async () => void db.close()
	};
}

/** int8 as bigint (exact), timestamps without a zone as UTC; everything else as node-postgres does. */
const pgTypes = {
	getTypeParser(oid: number, format?: 'text' | 'binary') {
		if (oid === pg.types.builtins.INT8) return (text: string) => BigInt(text);
		if (oid === pg.types.builtins.TIMESTAMP) {
			return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
		}
		return pg.types.getTypeParser(oid, format);
	}
} as pg.CustomTypesConfig;

/** `?` → `$1, $2, …`; the copy's SQL has no `?` inside literals. */
function numbered(sql: string): string {
	let n = 0;
	return sql.replace(/\?/g, () => `$${++n}`);
}

async function openPostgres(
	target: DatabaseTarget & { kind: 'postgres' },
	mode: string
): Promise<Endpoint> {
	const client = new pg.Client({
		connectionString: target.url,
		connectionTimeoutMillis: 10_000,
		types: pgTypes,
		// The source cannot be changed by mistake: every transaction of this session is read-only.
		...(mode === 'read-only' ? { options: '-c default_transaction_read_only=on' } : {})
	});
	client.on('error', () => {});
	try {
		await client.connect();
	} catch (error) {
		await client.end().catch(() => {});
		throw explainConnectError(error, target.url);
	}
	// Each batch commits with its progress row, so a commit lost in a server crash loses both
	// together and the rerun copies that batch again: the copy need not wait for every flush.
	if (mode === 'read-write') await client.query('SET synchronous_commit = off');
	const query = async (sql: string, params: unknown[] = []) =>
		(await client.query(numbered(sql), params)).rows as Record<string, unknown>[];
	return {
		dialect: 'postgres',
		label: describeTarget(target),
		async tableNames() {
			const rows = await query(
				'SELECT "tablename" FROM "pg_tables" WHERE "schemaname" = current_schema()'
			);
			return rows.map((r) => r.tablename as string);
		},
		async describe(name) {
			const relation = quote(name);
			const columns = await query(
				`SELECT "attname" AS "name", format_type("atttypid", "atttypmod") AS "type"
				 FROM "pg_attribute" WHERE "attrelid" = to_regclass(?) AND "attnum" > 0 AND NOT "attisdropped"
				 ORDER BY "attnum"`,
				[relation]
			);
			const key = await query(
				`SELECT a."attname" AS "name" FROM "pg_index" i
				 CROSS JOIN unnest(i."indkey") WITH ORDINALITY AS k("attnum", "position")
				 JOIN "pg_attribute" a ON a."attrelid" = i."indrelid" AND a."attnum" = k."attnum"
				 WHERE i."indrelid" = to_regclass(?) AND i."indisprimary" ORDER BY k."position"`,
				[relation]
			);
			const references = await query(
				`SELECT (SELECT "relname" FROM "pg_class" WHERE "oid" = c."confrelid") AS "table",
				        ARRAY(SELECT a."attname" FROM unnest(c."conkey") WITH ORDINALITY AS k("attnum", "position")
				              JOIN "pg_attribute" a ON a."attrelid" = c."conrelid" AND a."attnum" = k."attnum"
				              ORDER BY k."position")::text[] AS "columns"
				 FROM "pg_constraint" c WHERE c."conrelid" = to_regclass(?) AND c."contype" = 'f'
				 ORDER BY c."conname"`,
				[relation]
			);
			const serial = await query(
				`SELECT "attname" AS "column", pg_get_serial_sequence(?, "attname") AS "sequence"
				 FROM "pg_attribute" WHERE "attrelid" = to_regclass(?) AND "attnum" > 0 AND NOT "attisdropped"
				   AND pg_get_serial_sequence(?, "attname") IS NOT NULL`,
				[relation, relation, relation]
			);
			return {
				columns: columns.map((c) => ({
					name: c.name as string,
					type: columnType('postgres', c.type as string),
					native: c.type as string
				})),
				key: key.map((k) => k.name as string),
				references: references.map((r) => ({
					table: r.table as string,
					columns: r.columns as string[]
				})),
				serial: serial[0] as TableShape['serial']
			};
		},
		query,
		async run(sql, params = []) {
			await client.query(numbered(sql), params);
		},
		async read(table, after, limit) {
			const keyParams = after
				? after.map((v, i) => toPostgres(table.columns[table.key[i]].type, v))
				: [];
			const result = await client.query<unknown[]>({
				text: numbered(readSql(table, after !== null)),
				values: [...keyParams, limit],
				rowMode: 'array'
			});
			return result.rows.map((raw) =>
				raw.map((value, i) => fromPostgres(table.columns[i].type, value))
			);
		},
		async insert(table, rows) {
			if (!rows.length) return;
			// One array per column, unnested into rows: one statement and a handful of parameters
			// whatever the batch size (a VALUES list would need one parameter per value).
			const arrays = table.columns.map((column, i) =>
				rows.map((row) => toPostgres(column.type, row[i]))
			);
			const casts = table.columns.map((c, i) => `$${i + 1}::${c.native}[]`).join(', ');
			await client.query(
				`INSERT INTO ${quote(table.name)} (${columnsOf(table)}) SELECT * FROM unnest(${casts})`,
				arrays
			);
		},
		async transaction(work) {
			await client.query('BEGIN');
			try {
				await work();
				await client.query('COMMIT');
			} catch (error) {
				await client.query('ROLLBACK').catch(() => {});
				throw error;
			}
		},
		close: () => client.end()
	};
}
