import { hash } from 'node:crypto';

/** A column's type as Prisma sees it; both databases store each one differently. */
export type ColumnType = 'String' | 'Int' | 'Float' | 'Boolean' | 'DateTime' | 'Bytes' | 'BigInt';

/**
 * A value in the copy's own form, the same whichever database it came from: DateTime as epoch
 * milliseconds, Boolean as a boolean, BigInt as a bigint, Bytes as a Buffer.
 */
export type Value = string | number | bigint | boolean | Buffer | null;
export type Row = Value[];

/** A value that does not fit its column; names the table, column and row so it can be fixed. */
export class ValueError extends Error {
	override name = 'ValueError';
}

/** SQLite's `CURRENT_TIMESTAMP` text ("2026-12-03 13:00:00"): UTC without a zone. */
const SQLITE_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/;

/**
 * Reads a SQLite value (integers arrive as bigint: statements run with safe integers). DateTime is
 * ISO-8601 text as Prisma writes it, SQLite's own timestamp text, or epoch milliseconds.
 */
export function fromSqlite(type: ColumnType, raw: unknown): Value {
	if (raw === null || raw === undefined) return null;
	switch (type) {
		case 'String':
			return typeof raw === 'string' ? raw : String(raw);
		case 'Int':
		case 'Float':
			return Number(raw);
		case 'BigInt':
			return BigInt(raw as bigint);
		case 'Boolean':
			return Number(raw) !== 0;
		case 'Bytes':
			return Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
		case 'DateTime': {
			if (typeof raw === 'bigint' || typeof raw === 'number') return Number(raw);
			const text = String(raw);
			const ms = Date.parse(SQLITE_TIMESTAMP.test(text) ? `${text.replace(' ', 'T')}Z` : text);
			if (Number.isNaN(ms)) throw new ValueError(`not a date: ${JSON.stringify(text)}`);
			return ms;
		}
	}
}

/** A value for a better-sqlite3 statement, stored as Prisma's SQLite adapter stores it. */
export function toSqlite(type: ColumnType, value: Value): unknown {
	if (value === null) return null;
	if (type === 'DateTime') return new Date(value as number).toISOString().replace('Z', '+00:00');
	if (type === 'Boolean') return value ? 1 : 0;
	return value;
}

/** Reads a node-postgres value (int8 arrives as bigint, see pgTypes in connection). */
export function fromPostgres(type: ColumnType, raw: unknown): Value {
	if (raw === null || raw === undefined) return null;
	if (type === 'DateTime') return (raw as Date).getTime();
	if (type === 'BigInt') return BigInt(raw as bigint);
	return raw as Value;
}

/** An element of the array parameter node-postgres sends for one column (see insert in connection). */
export function toPostgres(type: ColumnType, value: Value): unknown {
	if (value === null) return null;
	if (type === 'DateTime') return new Date(value as number).toISOString();
	if (type === 'BigInt') return (value as bigint).toString();
	return value;
}

/** One value as unambiguous text for the checksum: its type, then its content. */
function canonical(type: ColumnType, value: Value): string {
	if (value === null) return 'N';
	switch (type) {
		case 'String':
			return JSON.stringify(value);
		case 'Bytes':
			return `x${(value as Buffer).toString('base64')}`;
		case 'Boolean':
			return value ? 'T' : 'F';
		default:
			return `${type[0]}${String(value)}`;
	}
}

const MASK = (1n << 64n) - 1n;

/**
 * An order-independent checksum of a table: the sum (mod 2^64, in two lanes) of every row's
 * SHA-256. The two databases list text keys in different orders (collations), so the rows are
 * summed rather than hashed in sequence; keys are unique, so no two rows can cancel out.
 */
export class TableChecksum {
	rows = 0;
	#a = 0n;
	#b = 0n;

	add(types: readonly ColumnType[], row: Row): void {
		const text = row.map((value, i) => canonical(types[i], value)).join(',');
		const digest = hash('sha256', text, 'buffer');
		this.#a = (this.#a + digest.readBigUInt64BE(0)) & MASK;
		this.#b = (this.#b + digest.readBigUInt64BE(8)) & MASK;
		this.rows++;
	}

	hex(): string {
		return this.#a.toString(16).padStart(16, '0') + this.#b.toString(16).padStart(16, '0');
	}
}
