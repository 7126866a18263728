import Database from 'better-sqlite3';

/** A piece of SQL with its `?` parameters, composable with the `q` template tag. */
export interface Q {
	readonly sql: string;
	readonly params: readonly unknown[];
}

const IS_Q = Symbol('sql');
type Fragment = Q & { [IS_Q]: true };

function fragment(sql: string, params: readonly unknown[]): Fragment {
	return { sql, params, [IS_Q]: true };
}

function isQ(value: unknown): value is Fragment {
	return typeof value === 'object' && value !== null && IS_Q in value;
}

/**
 * `q\`SELECT … WHERE a = ${value} AND ${otherFragment}\``: values become `?` parameters, fragments
 * are spliced in with their own parameters, and whole numbers are written as integer literals
 * (better-sqlite3 binds every number as a REAL, which would turn `x / 86400` into a fraction).
 * Nothing else from outside is ever pasted as text.
 */
export function q(strings: TemplateStringsArray, ...values: unknown[]): Q {
	let sql = strings[0];
	const params: unknown[] = [];
	values.forEach((value, i) => {
		if (isQ(value)) {
			sql += value.sql;
			params.push(...value.params);
		} else if (typeof value === 'number' && Number.isSafeInteger(value)) {
			sql += String(value);
		} else {
			sql += '?';
			params.push(value);
		}
		sql += strings[i + 1];
	});
	return fragment(sql, params);
}

/** Trusted SQL text written in this module (column lists, computed integer literals). */
export function raw(sql: string): Q {
	return fragment(sql, []);
}

/** Trusted SQL text around another fragment, e.g. a fact query around its WHERE clause. */
export function wrap(build: (inner: string) => string, inner: Q): Q {
	return fragment(build(inner.sql), inner.params);
}

/** Joins fragments with a separator. */
export function join(parts: Q[], separator: string): Q {
	return fragment(
		parts.map((p) => p.sql).join(separator),
		parts.flatMap((p) => p.params)
	);
}

/** `?, ?, ?` for a list of values. */
export function list(values: readonly unknown[]): Q {
	return fragment(values.map(() => '?').join(', '), values);
}

/**
 * A connection of its own to the database file: read-only (`query_only`), with cached prepared
 * statements and plain numbers. The usage reports (aggregates that Prisma's raw API would only slow
 * down: it converts every integer to a BigInt) and the notes log reader use it; writes stay with
 * Prisma.
 */
export class ReadDb {
	readonly #db: Database.Database;
	readonly #statements = new Map<string, Database.Statement>();

	constructor(file: string) {
		this.#db = new Database(file, { fileMustExist: true, timeout: 5000 });
		this.#db.pragma('query_only = ON');
		this.#db.pragma('cache_size = -65536');
	}

	#prepare(sql: string): Database.Statement {
		let statement = this.#statements.get(sql);
		if (!statement) {
			statement = this.#db.prepare(sql);
			if (this.#statements.size > 500) this.#statements.clear();
			this.#statements.set(sql, statement);
		}
		return statement;
	}

	all<T>(query: Q): T[] {
		return this.#prepare(query.sql).all(...query.params) as T[];
	}

	get<T>(query: Q): T | undefined {
		return this.#prepare(query.sql).get(...query.params) as T | undefined;
	}

	/** Whether a table exists (for facts other features add later, such as NoteActivity). */
	hasTable(name: string): boolean {
		return !!this.get(q`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ${name}`);
	}

	close(): void {
		this.#db.close();
	}
}
