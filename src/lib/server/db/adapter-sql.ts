/**
 * `q` statements run straight on Prisma's own driver adapter: the same SQLite connection (and the
 * same one-transaction-at-a-time lock) or the same PostgreSQL pool as the Prisma client, without
 * Prisma's per-query planning, which costs far more than the statement itself on hot paths (a
 * channel send, the per-event user check). Rows come back as objects with plain numbers, booleans
 * and Dates on both databases.
 */
import {
	ColumnTypeEnum,
	type ArgType,
	type ColumnType,
	type SqlDriverAdapter,
	type SqlDriverAdapterFactory,
	type SqlQuery,
	type SqlQueryable
} from '@prisma/driver-adapter-utils';
import { render, type Q } from './sql.ts';
import type { Dialect } from './target.ts';

/** Runs statements: the database, or one transaction of it. */
export interface Sql {
	readonly dialect: Dialect;
	all<T>(query: Q): Promise<T[]>;
	get<T>(query: Q): Promise<T | undefined>;
	/** Runs a statement and returns how many rows it changed. */
	run(query: Q): Promise<number>;
}

/** The database: statements, and transactions that commit together or not at all. */
export interface SqlDb extends Sql {
	transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

/**
 * Wraps the adapter factory given to the Prisma client so the seam can share the adapter the
 * client connects (Prisma connects it once, lazily).
 */
export class SharedAdapterFactory implements SqlDriverAdapterFactory {
	readonly provider: SqlDriverAdapterFactory['provider'];
	readonly adapterName: string;
	readonly #inner: SqlDriverAdapterFactory;
	#adapter: Promise<SqlDriverAdapter> | undefined;

	constructor(inner: SqlDriverAdapterFactory) {
		this.#inner = inner;
		this.provider = inner.provider;
		this.adapterName = inner.adapterName;
	}

	connect(): Promise<SqlDriverAdapter> {
		this.#adapter ??= this.#inner.connect();
		return this.#adapter;
	}
}

class AdapterSql implements Sql {
	readonly dialect: Dialect;
	readonly #queryable: SqlQueryable;

	constructor(queryable: SqlQueryable, dialect: Dialect) {
		this.#queryable = queryable;
		this.dialect = dialect;
	}

	async all<T>(query: Q): Promise<T[]> {
		const { columnNames, columnTypes, rows } = await this.#queryable.queryRaw(
			toAdapterQuery(query, this.dialect)
		);
		return rows.map((row) => {
			const object: Record<string, unknown> = {};
			for (let i = 0; i < columnNames.length; i++) {
				object[columnNames[i]] = fromColumn(row[i], columnTypes[i]);
			}
			return object as T;
		});
	}

	async get<T>(query: Q): Promise<T | undefined> {
		return (await this.all<T>(query))[0];
	}

	run(query: Q): Promise<number> {
		return this.#queryable.executeRaw(toAdapterQuery(query, this.dialect));
	}
}

class AdapterSqlDb extends AdapterSql implements SqlDb {
	readonly #adapter: SqlDriverAdapter;

	constructor(adapter: SqlDriverAdapter, dialect: Dialect) {
		super(adapter, dialect);
		this.#adapter = adapter;
	}

	/**
	 * As Prisma runs an interactive transaction on an adapter: the adapter begins it (SQLite: after
	 * taking the connection's lock; PostgreSQL: on a pooled connection of its own), the caller sends
	 * COMMIT or ROLLBACK, and commit()/rollback() release the lock or the connection.
	 */
	async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
		const transaction = await this.#adapter.startTransaction();
		const end = (sql: 'COMMIT' | 'ROLLBACK') =>
			transaction.executeRaw({ sql, args: [], argTypes: [] });
		let result: T;
		try {
			result = await work(new AdapterSql(transaction, this.dialect));
			await end('COMMIT');
		} catch (error) {
			await end('ROLLBACK').catch(() => {});
			await transaction.rollback();
			throw error;
		}
		await transaction.commit();
		return result;
	}
}

/** The seam over the adapter a SharedAdapterFactory connected. */
export async function adapterSql(factory: SharedAdapterFactory, dialect: Dialect): Promise<SqlDb> {
	return new AdapterSqlDb(await factory.connect(), dialect);
}

function toAdapterQuery(query: Q, dialect: Dialect): SqlQuery {
	const { text, values } = render(query, dialect);
	return { sql: text, args: values.map(toArg), argTypes: values.map(argTypeOf) };
}

const toArg = (value: unknown) => (value === undefined ? null : value);

/** How the adapter should bind a value (dates as Prisma stores them, booleans as SQLite's 0/1). */
function argTypeOf(value: unknown): ArgType {
	const scalar = (scalarType: ArgType['scalarType']): ArgType => ({ scalarType, arity: 'scalar' });
	if (value instanceof Date) return scalar('datetime');
	if (value instanceof Uint8Array) return scalar('bytes');
	switch (typeof value) {
		case 'string':
			return scalar('string');
		case 'bigint':
			return scalar('bigint');
		case 'boolean':
			return scalar('boolean');
		case 'number':
			return scalar(Number.isInteger(value) ? 'bigint' : 'float');
		default:
			return scalar('unknown');
	}
}

const NUMBERS = new Set<ColumnType>([
	ColumnTypeEnum.Int32,
	ColumnTypeEnum.Int64,
	ColumnTypeEnum.Float,
	ColumnTypeEnum.Double,
	ColumnTypeEnum.Numeric,
	ColumnTypeEnum.UnknownNumber
]);

/** A column value as the code uses it: the adapters return 64-bit integers and dates as text. */
function fromColumn(value: unknown, type: ColumnType): unknown {
	if (value === null || value === undefined) return null;
	if (NUMBERS.has(type)) return Number(value);
	if (type === ColumnTypeEnum.DateTime) return new Date(value as string);
	if (type === ColumnTypeEnum.Boolean) return value === true || Number(value) === 1;
	return value;
}
