import fc from 'fast-check';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import type * as v from 'valibot';
import { tableNames, type TestDb } from './database.ts';

/**
 * Shared pieces of the fuzz suites (tests/fuzz-*.test.ts): fast-check settings, generators of
 * hostile payloads, and the database checks run between batches.
 *
 * `FUZZ_SEED` replays a failing run (fast-check prints the seed and path on failure);
 * `FUZZ_SCALE` multiplies the number of payloads (e.g. 10 for a long local run).
 */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
export const FUZZ_SCALE = Number(process.env.FUZZ_SCALE ?? 1);

/** fast-check settings: no shrinking time limit issues, the seed printed on failure. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
	return {
		numRuns: Math.max(1, Math.round(numRuns * FUZZ_SCALE)),
		seed: FUZZ_SEED,
		// Each run talks to the real server: keep shrinking short so a failure reports quickly.
		interruptAfterTimeLimit: 60_000,
		endOnFailure: true,
		verbose: 1
	};
}

/** `[[[…]]]` or `{ a: { a: … } }` nested `depth` levels. */
function nested(depth: number, asObject: boolean): unknown {
	let value: unknown = 'bottom';
	for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value];
	return value;
}

/** An object whose own keys include `__proto__`, `constructor` or `prototype`, as JSON.parse makes. */
function withDangerousKeys(base: Record<string, unknown>, keys: string[], value: unknown) {
	const object: Record<string, unknown> = { ...base };
	for (const key of keys) {
		Object.defineProperty(object, key, {
			value,
			enumerable: true,
			writable: true,
			configurable: true
		});
	}
	return object;
}

const dangerousKey = fc.constantFrom(
	'__proto__',
	'constructor',
	'prototype',
	'toString',
	'hasOwnProperty'
);

/** Values of every type and shape that a field should not accept (and a few it should). */
export function hostileValue(ids: readonly string[]): fc.Arbitrary<unknown> {
	const scalar = fc.oneof(
		fc.constantFrom(
			null,
			undefined,
			true,
			false,
			0,
			-0,
			-1,
			0.5,
			2 ** 31,
			2 ** 31 - 1,
			-(2 ** 31) - 1,
			2 ** 53,
			Number.MAX_SAFE_INTEGER,
			1e21,
			1e308,
			-1e308,
			Number.NaN,
			Number.POSITIVE_INFINITY,
			'',
			' ',
			'\u0000',
			'\ud800',
			'\u202e',
			'x'.repeat(65),
			'x'.repeat(257),
			'<script>alert(1)</script>',
			"' OR 1=1 --",
			'../../etc/passwd',
			'public',
			'private',
			'viewer',
			'editor',
			'active',
			'idle',
			'👍',
			'{}',
			'[]'
		),
		fc.integer(),
		fc.double(),
		fc.string({ maxLength: 80 }),
		fc.string({ unit: 'binary', maxLength: 80 })
	);
	const realId = ids.length ? fc.constantFrom(...ids) : fc.string({ maxLength: 20 });
	return fc.oneof(
		{ weight: 6, arbitrary: scalar },
		{ weight: 3, arbitrary: realId },
		{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
		{ weight: 1, arbitrary: fc.array(fc.oneof(realId, scalar), { maxLength: 8 }) },
		{ weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 4 }) },
		{
			weight: 1,
			arbitrary: fc
				.tuple(fc.integer({ min: 50, max: 500 }), fc.boolean())
				.map(([depth, asObject]) => nested(depth, asObject))
		},
		{
			// Past every length limit (16,000-character messages, 32,000-character prompts), and now
			// and then a long way past.
			weight: 1,
			arbitrary: fc
				.tuple(
					fc.oneof(
						{ weight: 9, arbitrary: fc.integer({ min: 16_001, max: 40_000 }) },
						{ weight: 1, arbitrary: fc.integer({ min: 100_000, max: 300_000 }) }
					),
					fc.constantFrom('x', 'é', '😀', '\u0000')
				)
				.map(([length, unit]) => unit.repeat(length))
		}
	);
}

type AnySchema = v.GenericSchema & {
	type: string;
	entries?: Record<string, AnySchema>;
	wrapped?: AnySchema;
	item?: AnySchema;
	options?: readonly unknown[];
	pipe?: readonly { type: string; requirement?: unknown }[];
};

/** The requirement of a pipe action such as `max_length`, if the schema has one. */
function requirement(schema: AnySchema, type: string): number | undefined {
	const action = schema.pipe?.find((a) => a.type === type);
	return typeof action?.requirement === 'number' ? action.requirement : undefined;
}

/** The pool of real ids a field name suggests (`channelId` → channels, `userIds` → users). */
export type IdPools = Record<string, readonly string[]> & { any: readonly string[] };

function idsFor(field: string, pools: IdPools): readonly string[] {
	const name = field.replace(/Ids?$/, '');
	return pools[name]?.length ? pools[name] : pools.any;
}

/**
 * Values that mostly pass the schema (right types, lengths in range, real ids), so payloads get
 * past validation into the services; now and then one that misses by a little.
 */
export function plausible(schema: AnySchema, pools: IdPools, field = ''): fc.Arbitrary<unknown> {
	switch (schema.type) {
		case 'optional':
		case 'nullable':
		case 'nullish':
			return fc.oneof(
				{ weight: 4, arbitrary: plausible(schema.wrapped as AnySchema, pools, field) },
				{ weight: 1, arbitrary: fc.constantFrom(undefined, null) }
			);
		case 'object': {
			const entries = Object.entries(schema.entries ?? {});
			return fc.record(
				Object.fromEntries(entries.map(([key, value]) => [key, plausible(value, pools, key)]))
			);
		}
		case 'array': {
			const max = requirement(schema, 'max_length') ?? 10;
			return fc.array(plausible(schema.item as AnySchema, pools, field), {
				minLength: requirement(schema, 'min_length') ?? 0,
				maxLength: Math.min(max + 1, 12)
			});
		}
		case 'picklist':
			return fc.oneof(
				{ weight: 5, arbitrary: fc.constantFrom(...(schema.options ?? [null])) },
				{ weight: 1, arbitrary: fc.string({ maxLength: 10 }) }
			);
		case 'boolean':
			return fc.boolean();
		case 'number': {
			const min = requirement(schema, 'min_value') ?? -5;
			const max = requirement(schema, 'max_value') ?? 2 ** 31 - 1;
			return fc.oneof(
				{ weight: 5, arbitrary: fc.integer({ min, max: Math.min(max, min + 1000) }) },
				{ weight: 1, arbitrary: fc.integer({ min, max }) },
				{ weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, 0.5, 2 ** 53) }
			);
		}
		case 'string': {
			const ids = idsFor(field, pools);
			const max = requirement(schema, 'max_length') ?? 200;
			const min = requirement(schema, 'min_length') ?? 0;
			const text = fc.string({ minLength: min, maxLength: Math.min(max, 300) });
			return /Ids?$/.test(field) && ids.length
				? fc.oneof(
						{ weight: 4, arbitrary: fc.constantFrom(...ids) },
						{ weight: 1, arbitrary: text }
					)
				: fc.oneof(
						{ weight: 6, arbitrary: text },
						{ weight: 1, arbitrary: fc.string({ minLength: max + 1, maxLength: max + 3 }) }
					);
		}
		case 'custom':
			// The only custom schema is binary data (notes): random bytes, not valid Yjs.
			return fc.oneof(
				{ weight: 4, arbitrary: fc.uint8Array({ maxLength: 256 }) },
				{
					weight: 1,
					arbitrary: fc.constantFrom(
						new Uint8Array(),
						new Uint8Array([0, 0]),
						new Uint8Array([0, 1, 0])
					)
				}
			);
		default:
			return fc.anything();
	}
}

/** One emit: its arguments (payload first) and whether it asks for an acknowledgement. */
export interface EmitCase {
	args: unknown[];
	withAck: boolean;
}

/** JSON with long strings cut and deep nesting elided: readable in a failure report. */
export function compact(value: unknown, limit = 1500): string {
	const seen = (v: unknown, depth: number): unknown => {
		if (typeof v === 'string') return v.length > 120 ? `${v.slice(0, 120)}…(${v.length} chars)` : v;
		if (v instanceof Uint8Array) return `<${v.length} bytes>`;
		if (v === undefined) return '<undefined>';
		if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
		if (typeof v !== 'object' || v === null) return v;
		if (depth > 8) return '<deeper>';
		if (Array.isArray(v)) return v.map((item) => seen(item, depth + 1));
		const out: Record<string, unknown> = {};
		for (const key of Object.keys(v)) {
			out[`${key}`] = seen((v as Record<string, unknown>)[key], depth + 1);
		}
		return out;
	};
	const text = JSON.stringify(seen(value, 0)) ?? String(value);
	return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** Gives a generated case a short description for fast-check's counterexample report. */
function described(sent: EmitCase): EmitCase {
	return Object.defineProperty(sent, fc.toStringMethod, {
		value: () => `${sent.withAck ? '' : '(no ack) '}${compact(sent.args, 400)}`
	});
}

/**
 * Payloads for an event with this schema: plausible ones, objects of its own field names holding
 * hostile values (with dangerous keys), anything at all, JSON values, arrays, binary data, extra
 * arguments, and no ack.
 */
export function emitCases(schema: AnySchema, pools: IdPools): fc.Arbitrary<EmitCase> {
	const fields = Object.keys(schema.entries ?? {});
	const hostile = hostileValue(pools.any);
	const fieldObject = fc
		.tuple(
			fields.length
				? fc.dictionary(fc.constantFrom(...fields), hostile, { maxKeys: fields.length })
				: fc.constant({}),
			fc.option(fc.tuple(fc.array(dangerousKey, { minLength: 1, maxLength: 2 }), hostile), {
				freq: 4
			}),
			fc.option(fc.dictionary(fc.string({ maxLength: 6 }), hostile, { maxKeys: 3 }), { freq: 4 })
		)
		.map(([base, danger, extra]) => {
			const object = { ...base, ...(extra ?? {}) } as Record<string, unknown>;
			return danger ? withDangerousKeys(object, danger[0], danger[1]) : object;
		});
	const payload = fc.oneof(
		{ weight: 6, arbitrary: plausible(schema, pools) },
		{ weight: 6, arbitrary: fieldObject },
		{
			weight: 2,
			arbitrary: fc.anything({ maxDepth: 4, withNullPrototype: true, withTypedArray: true })
		},
		{ weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
		{ weight: 1, arbitrary: fc.array(plausible(schema, pools), { maxLength: 3 }) },
		{ weight: 1, arbitrary: hostile }
	);
	return fc
		.oneof(
			{ weight: 20, arbitrary: payload.map((p) => ({ args: [p], withAck: true })) },
			{ weight: 1, arbitrary: fc.constant(null).map(() => ({ args: [], withAck: true })) },
			{
				weight: 2,
				arbitrary: fc
					.tuple(payload, fc.array(hostile, { minLength: 1, maxLength: 2 }))
					.map(([p, extra]) => ({ args: [p, ...extra], withAck: true }))
			},
			{ weight: 2, arbitrary: payload.map((p) => ({ args: [p], withAck: false })) }
		)
		.map(described);
}

/**
 * The arguments as the server will see them: encoded by socket.io-parser the way the client does
 * (binary parts as attachments, JSON for the rest) and decoded again. `undefined` disappears,
 * typed arrays arrive as Buffers, NaN as null, and so on.
 */
export function overTheWire(
	event: string,
	args: unknown[]
): Promise<{ args: unknown[]; bytes: number }> {
	const packet: Packet = { type: PacketType.EVENT, nsp: '/', data: [event, ...args] };
	const parts = new Encoder().encode(packet) as (string | Buffer)[];
	const bytes = parts.reduce((sum, part) => sum + Buffer.byteLength(part), 0);
	return new Promise((resolve, reject) => {
		const decoder = new Decoder();
		decoder.on('decoded', (decoded: Packet) =>
			resolve({ args: (decoded.data as unknown[]).slice(1), bytes })
		);
		try {
			for (const part of parts) decoder.add(part);
		} catch (error) {
			reject(error instanceof Error ? error : new Error(String(error)));
		}
	});
}

/**
 * The server's database checked for damage: SQLite's `integrity_check` and `foreign_key_check`.
 * PostgreSQL checks foreign keys itself and has no integrity pragma; there, indexes and constraints
 * must all be valid and every foreign key's rows must have their parent (as `foreign_key_check`).
 */
export async function databaseProblems(db: TestDb): Promise<{
	integrity: unknown;
	foreignKeys: unknown[];
}> {
	if (db.dialect === 'sqlite') {
		const [first] = await db.all<{ integrity_check: string }>('PRAGMA integrity_check');
		return {
			integrity: first?.integrity_check,
			foreignKeys: await db.all('PRAGMA foreign_key_check')
		};
	}
	const invalid = await db.all(
		`SELECT "indexrelid"::regclass::text AS "name" FROM "pg_index" WHERE NOT "indisvalid" UNION ALL SELECT "conname"::text FROM "pg_constraint" WHERE NOT "convalidated"`
	);
	const keys = await db.all<{
		name: string;
		child: string;
		parent: string;
		columns: string[];
		refs: string[];
	}>(
		`SELECT "c"."conname"::text AS "name", "c"."conrelid"::regclass::text AS "child", "c"."confrelid"::regclass::text AS "parent",
			(SELECT array_agg("a"."attname"::text ORDER BY "k"."i") FROM unnest("c"."conkey") WITH ORDINALITY AS "k"("n", "i") JOIN "pg_attribute" AS "a" ON "a"."attrelid" = "c"."conrelid" AND "a"."attnum" = "k"."n") AS "columns",
			(SELECT array_agg("a"."attname"::text ORDER BY "k"."i") FROM unnest("c"."confkey") WITH ORDINALITY AS "k"("n", "i") JOIN "pg_attribute" AS "a" ON "a"."attrelid" = "c"."confrelid" AND "a"."attnum" = "k"."n") AS "refs"
		FROM "pg_constraint" AS "c" WHERE "c"."contype" = 'f' AND "c"."connamespace" = current_schema()::regnamespace`
	);
	const foreignKeys: unknown[] = [];
	for (const key of keys) {
		const set = key.columns.map((column) => `"c"."${column}" IS NOT NULL`).join(' AND ');
		const match = key.columns.map((column, i) => `"p"."${key.refs[i]}" = "c"."${column}"`);
		const orphans = await db.get<{ n: number }>(
			`SELECT count(*) AS n FROM ${key.child} AS "c" WHERE ${set} AND NOT EXISTS (SELECT 1 FROM ${key.parent} AS "p" WHERE ${match.join(' AND ')})`
		);
		if (orphans?.n) foreignKeys.push({ table: key.child, constraint: key.name, rows: orphans.n });
	}
	return { integrity: invalid.length ? invalid : 'ok', foreignKeys };
}

/**
 * A counter that moves whenever a transaction that changed rows commits, whoever ran it. SQLite:
 * `data_version` (it moves on any other connection's commit that changed the file). PostgreSQL
 * counts no such thing per database, so a row trigger on every table logs each changed row into a
 * table of the test's own (in the same transaction: a rolled-back write leaves no trace either).
 */
export async function writeCounter(db: TestDb): Promise<() => Promise<number>> {
	if (db.dialect === 'sqlite') {
		return async () =>
			Number((await db.get<{ data_version: number }>('PRAGMA data_version'))?.data_version);
	}
	const tables = await tableNames(db);
	await db.run('CREATE TABLE "_test_writes" ("n" integer)');
	await db.run(
		`CREATE FUNCTION "_test_count_write"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "_test_writes" VALUES (1); RETURN NULL; END $$`
	);
	for (const table of tables) {
		await db.run(
			`CREATE TRIGGER "_test_write" AFTER INSERT OR UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION "_test_count_write"()`
		);
	}
	return async () =>
		(await db.get<{ n: number }>('SELECT count(*) AS n FROM "_test_writes"'))?.n ?? 0;
}

/** The server's log lines since `from` that report an error: level ≥ 50, or a failed handler. */
export function errorLines(
	logs: Record<string, unknown>[],
	from: number
): Record<string, unknown>[] {
	return logs
		.slice(from)
		.filter(
			(line) => Number(line.level) >= 50 || /handler failed|unhandled/i.test(String(line.msg))
		);
}

/** Resolves with `/healthz`'s status, or rejects when it does not answer within `ms`. */
export async function healthWithin(baseUrl: string, ms = 1000): Promise<number> {
	const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(ms) });
	await response.arrayBuffer();
	return response.status;
}
