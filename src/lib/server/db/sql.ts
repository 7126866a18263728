/**
 * SQL that is not a plain Prisma call, written once for SQLite and PostgreSQL: the `q` tag builds a
 * statement from trusted text, parameters and other fragments, and `dialect()` holds the few pieces
 * that differ (date arithmetic, aggregates one of them lacks) side by side. A statement is rendered
 * for one database only when it runs: `?` placeholders for SQLite, `$1…` for PostgreSQL, or a
 * `Prisma.Sql` for a Prisma transaction (prisma-sql.ts; its adapter numbers the placeholders).
 *
 * Identifiers are double-quoted ("UsageBucket"."instanceId"): PostgreSQL folds unquoted names to
 * lower case, SQLite accepts the quotes.
 */
import type { Dialect } from './target.ts';

type Piece = string | { value: unknown } | { sqlite: Q; postgres: Q };

/** A piece of SQL with its parameters, composable with the `q` template tag. */
export class Q {
	readonly pieces: readonly Piece[];

	constructor(pieces: readonly Piece[]) {
		this.pieces = pieces;
	}
}

const fragment = (value: Q | string): Q => (value instanceof Q ? value : raw(value));

/**
 * `q\`SELECT … WHERE a = ${value} AND ${otherFragment}\``: values become parameters, fragments are
 * spliced in with their own parameters, and whole numbers are written as integer literals
 * (better-sqlite3 binds every number as a REAL, which would turn `x / 86400` into a fraction, and
 * PostgreSQL cannot type a bare parameter in arithmetic). Nothing else from outside is ever pasted
 * as text.
 */
export function q(strings: TemplateStringsArray, ...values: unknown[]): Q {
	const pieces: Piece[] = [strings[0]];
	values.forEach((value, i) => {
		if (value instanceof Q) pieces.push(...value.pieces);
		else if (typeof value === 'number' && Number.isSafeInteger(value)) pieces.push(String(value));
		else pieces.push({ value });
		pieces.push(strings[i + 1]);
	});
	return new Q(pieces);
}

/**
 * A value as a parameter, even a whole number, for values that differ on every call (counts,
 * durations): the statement's text then stays the same, so PostgreSQL prepares its named statement
 * once instead of once per value. Only where the database takes the type from a column (VALUES,
 * SET, a comparison with a column), not in arithmetic.
 */
export function param(value: unknown): Q {
	return new Q([{ value }]);
}

/** Trusted SQL text written in the code (column lists, computed integer literals). */
export function raw(sql: string): Q {
	return new Q([sql]);
}

/** SQL that differs between the databases, chosen when the statement is rendered. */
export function dialect(variants: { sqlite: Q | string; postgres: Q | string }): Q {
	return new Q([{ sqlite: fragment(variants.sqlite), postgres: fragment(variants.postgres) }]);
}

/** Joins fragments with a separator. */
export function join(parts: readonly Q[], separator: string): Q {
	const pieces: Piece[] = [];
	parts.forEach((part, i) => {
		if (i) pieces.push(separator);
		pieces.push(...part.pieces);
	});
	return new Q(pieces);
}

/** `?, ?, ?` for a list of values. */
export function list(values: readonly unknown[]): Q {
	return join(
		values.map((value) => q`${value}`),
		', '
	);
}

/** The statement's text between its parameters, and the parameters, for one database. */
export function flatten(query: Q, to: Dialect): { texts: string[]; values: unknown[] } {
	const texts = [''];
	const values: unknown[] = [];
	const walk = (pieces: readonly Piece[]) => {
		for (const piece of pieces) {
			if (typeof piece === 'string') texts[texts.length - 1] += piece;
			else if ('value' in piece) {
				values.push(piece.value);
				texts.push('');
			} else walk(piece[to === 'sqlite' ? 'sqlite' : 'postgres'].pieces);
		}
	};
	walk(query.pieces);
	return { texts, values };
}

/** A statement back from flatten's parts (its parameters may be other values of the same types). */
export function unflatten(texts: readonly string[], values: readonly unknown[]): Q {
	const pieces: Piece[] = [texts[0]];
	values.forEach((value, i) => pieces.push({ value }, texts[i + 1]));
	return new Q(pieces);
}

/** The statement as text with `?` (SQLite) or `$n` (PostgreSQL) placeholders. */
export function render(query: Q, to: Dialect): { text: string; values: unknown[] } {
	const { texts, values } = flatten(query, to);
	const text = texts.reduce((sql, part, i) => `${sql}${to === 'sqlite' ? '?' : `$${i}`}${part}`);
	return { text, values };
}
