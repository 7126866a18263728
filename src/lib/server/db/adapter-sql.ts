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
	type SqlQueryable,
	type Transaction
} from '@prisma/driver-adapter-utils';
import type Database from 'better-sqlite3';
import { raw, render, type Q } from './sql.ts';
import { SerializedAdapter } from './sqlite-serial.ts';
import { SqliteStatements } from './sqlite-statements.ts';
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
 * client connects (Prisma connects it once, lazily). On SQLite the adapter is serialized
 * (sqlite-serial.ts), for Prisma's own statements and the seam's alike.
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
		this.#adapter ??= this.#inner
			.connect()
			.then((adapter) =>
				adapter.provider === 'sqlite' ? new SerializedAdapter(adapter) : adapter
			);
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

	/** PostgreSQL: on a pooled connection of its own, as Prisma runs an interactive transaction. */
	async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
		const transaction = await this.#adapter.startTransaction();
		return inTransaction(transaction, () => work(new AdapterSql(transaction, this.dialect)));
	}
}

/**
 * Runs `work` in a transaction the adapter began, as Prisma ends one: the caller sends COMMIT or
 * ROLLBACK, then commit()/rollback() release the connection (or SQLite's lock).
 */
async function inTransaction<T>(transaction: Transaction, work: () => Promise<T>): Promise<T> {
	const end = (sql: 'COMMIT' | 'ROLLBACK') =>
		transaction.executeRaw({ sql, args: [], argTypes: [] });
	let result: T;
	try {
		result = await work();
		await end('COMMIT');
	} catch (error) {
		await end('ROLLBACK').catch(() => {});
		await transaction.rollback();
		throw error;
	}
	await transaction.commit();
	return result;
}

/**
 * SQLite: the seam's statements run on the adapter's connection with statements kept prepared,
 * each one (or each transaction) holding the connection's lock. Its transactions begin and end on
 * prepared statements too: the adapter's own transaction prepares BEGIN and COMMIT afresh and logs
 * each step, which cost a channel send more than its statements did.
 */
class SqliteSqlDb implements SqlDb {
	readonly dialect = 'sqlite' as const;
	readonly #adapter: SerializedAdapter;
	readonly #connection: Database.Database;
	readonly #statements: SqliteStatements;
	readonly #inTransaction: Sql;
	readonly #queued: Queued[] = [];

	constructor(adapter: SerializedAdapter, connection: Database.Database) {
		this.#adapter = adapter;
		this.#connection = connection;
		this.#statements = new SqliteStatements(connection);
		this.#inTransaction = this.#statements.sql();
	}

	all<T>(query: Q): Promise<T[]> {
		return this.#adapter.lock.run(() => this.#inTransaction.all<T>(query));
	}

	get<T>(query: Q): Promise<T | undefined> {
		return this.#adapter.lock.run(() => this.#inTransaction.get<T>(query));
	}

	run(query: Q): Promise<number> {
		return this.#adapter.lock.run(() => this.#inTransaction.run(query));
	}

	/**
	 * The lock is held from BEGIN until COMMIT or ROLLBACK, so nothing else lands inside.
	 *
	 * Group commit: a transaction starts at the end of the event loop's turn (setImmediate), with
	 * the others requested in the same turn (a burst of sends read from several sockets at once) in
	 * the same SQLite transaction, each in a savepoint of its own so a failure undoes only its own
	 * writes. They share the COMMIT, whose sync to disk is most of a channel send's time, and each
	 * settles once it is done: nothing is acknowledged before it is durable.
	 */
	transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			this.#queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
			if (this.#queued.length === 1) this.#schedule();
		});
	}

	#schedule(): void {
		// #group settles every transaction it takes and never rejects.
		setImmediate(() => void this.#adapter.lock.run(() => this.#group()));
	}

	/** Runs the queued transactions (up to GROUP_LIMIT) as one; the rest go on in the next turn. */
	async #group(): Promise<void> {
		const group = this.#queued.splice(0, GROUP_LIMIT);
		if (this.#queued.length) this.#schedule();
		if (!group.length) return;
		const done: { item: Queued; result: unknown }[] = [];
		const single = group.length === 1;
		try {
			this.#statements.run(BEGIN);
			for (const item of group) {
				if (!single) this.#statements.run(SAVEPOINT);
				try {
					const result = await item.work(this.#inTransaction);
					if (!single) this.#statements.run(RELEASE);
					done.push({ item, result });
				} catch (error) {
					// Some I/O errors end the whole transaction: the ones done so far are gone too.
					if (single || !this.#connection.inTransaction) throw error;
					this.#statements.run(ROLLBACK_TO);
					this.#statements.run(RELEASE);
					item.reject(error);
				}
			}
			// When every one failed, nothing is left to keep: a COMMIT would still write the pages
			// the savepoints restored.
			this.#statements.run(done.length ? COMMIT : ROLLBACK);
		} catch (error) {
			for (const item of group) item.reject(error);
			// A failed COMMIT (the file busy) leaves the transaction open: end it here too. Should that
			// fail as well, the next group's BEGIN fails and says so; it must not throw from here.
			if (this.#connection.inTransaction) {
				try {
					this.#statements.run(ROLLBACK);
				} catch {
					/* reported by the next BEGIN */
				}
			}
			return;
		}
		for (const { item, result } of done) item.resolve(result);
	}
}

/** A transaction waiting for its group. */
interface Queued {
	work: (tx: Sql) => Promise<unknown>;
	resolve: (value: unknown) => void;
	reject: (error: unknown) => void;
}

/** Transactions at most in one group: bounds how long the first of them waits for its COMMIT. */
const GROUP_LIMIT = 32;

/**
 * IMMEDIATE: the write lock from the start. A deferred transaction that reads first and writes
 * later cannot wait for another connection's write (a CLI command's, say) to finish: SQLite refuses
 * its upgrade at once (SQLITE_BUSY), where a lock taken at BEGIN waits for the busy timeout. This
 * connection runs one transaction at a time anyway, so nothing in this process waits longer.
 */
const BEGIN = raw('BEGIN IMMEDIATE');
const COMMIT = raw('COMMIT');
const ROLLBACK = raw('ROLLBACK');
const SAVEPOINT = raw('SAVEPOINT grouped');
const RELEASE = raw('RELEASE grouped');
const ROLLBACK_TO = raw('ROLLBACK TO grouped');

/** The seam over the adapter a SharedAdapterFactory connected. */
export async function adapterSql(factory: SharedAdapterFactory, dialect: Dialect): Promise<SqlDb> {
	const adapter = await factory.connect();
	if (adapter instanceof SerializedAdapter) {
		// Prisma's better-sqlite3 adapter keeps its connection in `client`.
		const connection = (adapter.inner as unknown as { client?: Database.Database }).client;
		if (typeof connection?.prepare === 'function') return new SqliteSqlDb(adapter, connection);
	}
	return new AdapterSqlDb(adapter, dialect);
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
