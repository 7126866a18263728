import Database from 'better-sqlite3';
import { render, type Q } from './sql.ts';

/**
 * A synchronous read-only connection to the SQLite file (`query_only`), with cached prepared
 * statements and plain numbers. It blocks the calling thread while a query runs: only the notes log
 * reader still uses it (its owner is making that load asynchronous); the usage reports use the
 * asynchronous `ReadDb` (read-db.ts), whose SQLite connection lives in a worker thread.
 */
export class SqliteReader {
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

	/** Rows of a statement already rendered for SQLite. */
	rows(text: string, values: readonly unknown[]): unknown[] {
		return this.#prepare(text).all(...values);
	}

	all<T>(query: Q): T[] {
		const { text, values } = render(query, 'sqlite');
		return this.rows(text, values) as T[];
	}

	get<T>(query: Q): T | undefined {
		return this.all<T>(query)[0];
	}

	close(): void {
		this.#db.close();
	}
}
