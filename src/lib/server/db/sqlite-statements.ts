/**
 * The seam's statements on SQLite, on the connection Prisma's adapter opened, with each statement
 * prepared once and kept (the adapter prepares every statement on every call, which costs more
 * than running it). Values are bound and read as the adapter does: dates as Prisma stores them
 * (ISO text), booleans as 0/1, 64-bit integers as numbers.
 */
import type Database from 'better-sqlite3';
import type { Sql } from './adapter-sql.ts';
import { render, type Q } from './sql.ts';

/** How many distinct statements stay prepared (the seam's are a few dozen; the rest are rare). */
const CACHE_SIZE = 500;

interface Prepared {
	statement: Database.Statement;
	/** Per column: how to turn the stored value into the code's, or undefined to keep it. */
	convert: ((value: unknown) => unknown)[] | undefined;
}

export class SqliteStatements {
	readonly #db: Database.Database;
	readonly #cache = new Map<string, Prepared>();

	constructor(db: Database.Database) {
		this.#db = db;
	}

	/** Statements that run as they come: the caller holds the connection (a transaction, the lock). */
	sql(): Sql {
		return {
			dialect: 'sqlite',
			all: async <T>(query: Q) => this.all<T>(query),
			get: async <T>(query: Q) => this.all<T>(query)[0],
			run: async (query: Q) => this.run(query)
		};
	}

	all<T>(query: Q): T[] {
		const { prepared, values } = this.#prepare(query);
		if (!prepared.statement.reader) {
			prepared.statement.run(values);
			return [];
		}
		const rows = prepared.statement.all(values) as Record<string, unknown>[];
		const convert = (prepared.convert ??= converters(prepared.statement));
		const names = Object.keys(rows[0] ?? {});
		for (const row of rows) {
			names.forEach((name, i) => {
				const value = row[name];
				if (value !== null) row[name] = (convert[i] ?? plain)(value);
			});
		}
		return rows as T[];
	}

	run(query: Q): number {
		const { prepared, values } = this.#prepare(query);
		return prepared.statement.run(values).changes;
	}

	#prepare(query: Q): { prepared: Prepared; values: unknown[] } {
		const { text, values } = render(query, 'sqlite');
		let prepared = this.#cache.get(text);
		if (prepared) {
			// Most recently used last, so the oldest goes first when the cache is full.
			this.#cache.delete(text);
		} else {
			prepared = { statement: this.#db.prepare(text), convert: undefined };
			const oldest = this.#cache.keys().next();
			if (this.#cache.size >= CACHE_SIZE && !oldest.done) this.#cache.delete(oldest.value);
		}
		this.#cache.set(text, prepared);
		return { prepared, values: values.map(bindable) };
	}
}

/** A value as the adapter binds it (and as Prisma wrote the rows the seam reads). */
function bindable(value: unknown): unknown {
	if (value === undefined || value === null) return null;
	if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
	if (typeof value === 'boolean') return value ? 1 : 0;
	return value;
}

/** 64-bit integers (the connection reads them as BigInt) as numbers; the rest as stored. */
function plain(value: unknown): unknown {
	return typeof value === 'bigint' ? Number(value) : value;
}

/** By declared column type: DATETIME as a Date, BOOLEAN as a boolean. */
function converters(statement: Database.Statement): ((value: unknown) => unknown)[] {
	return statement.columns().map(({ type }) => {
		switch (type?.toUpperCase()) {
			case 'DATETIME':
				return (value) => new Date(typeof value === 'bigint' ? Number(value) : String(value));
			case 'BOOLEAN':
				return (value) => Number(value) === 1;
			default:
				return plain;
		}
	});
}
