/**
 * bench:analytics' bulk path for PostgreSQL's rollups (--rollups=copy): the real rebuild runs on
 * the SQLite file and its rollup rows are copied, because the rebuild on PostgreSQL (one
 * transaction per UTC day) took 494 s for 1.36M facts on this machine, an hour at 10M. This checks
 * the copy against PostgreSQL's own rebuild on a sample of days: it reads the sample's rollup rows,
 * recomputes those days with the app's rebuild on PostgreSQL, and compares the rows.
 */
import pg from 'pg';
import { numberTypes } from '../../src/lib/server/db/pg-types.ts';
import type { DatabaseTarget } from '../../src/lib/server/db/target.ts';
import { rebuild } from '../../src/lib/server/usage/rebuild.ts';

/** Each rollup table's rows of UTC days [from, to), in key order. */
const SAMPLE: Record<string, string> = {
	UsageBucket: `SELECT * FROM "UsageBucket" WHERE bucket >= $1 * 96 AND bucket < $2 * 96
		ORDER BY bucket, "instanceId" COLLATE "C", model COLLATE "C"`,
	UsageBucketDay: `SELECT * FROM "UsageBucketDay" WHERE day >= $1 AND day < $2
		ORDER BY day, "instanceId" COLLATE "C", model COLLATE "C"`,
	UsageUserDay: `SELECT * FROM "UsageUserDay" WHERE day >= $1 AND day < $2 ORDER BY day, "userKey"`,
	UsageUserModelDay: `SELECT * FROM "UsageUserModelDay" WHERE day >= $1 AND day < $2
		ORDER BY day, model COLLATE "C", "userKey"`,
	UsageUserBlock: `SELECT * FROM "UsageUserBlock" WHERE block >= $1 / 32 AND block <= ($2 - 1) / 32
		ORDER BY block, "userKey"`
};

async function sample(client: pg.Client, from: number, to: number): Promise<Map<string, string>> {
	const rows = new Map<string, string>();
	for (const [table, sql] of Object.entries(SAMPLE)) {
		const result = await client.query({ text: sql, values: [from, to], types: numberTypes });
		rows.set(
			table,
			JSON.stringify(result.rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))
		);
	}
	return rows;
}

/**
 * Rebuilds `days` UTC days ending at `lastDay` (exclusive) on PostgreSQL and says which rollup
 * tables differ from the copied rows (none when the copy is right).
 */
export async function verifyCopiedRollups(
	target: Extract<DatabaseTarget, { kind: 'postgres' }>,
	lastDay: number,
	days: number
): Promise<{ rows: number; differing: string[]; ms: number }> {
	const started = performance.now();
	const [from, to] = [lastDay - days, lastDay];
	const client = new pg.Client({ connectionString: target.url });
	await client.connect();
	try {
		const copied = await sample(client, from, to);
		await rebuild(target, { days: { from, to } });
		const rebuilt = await sample(client, from, to);
		const differing = [...copied.keys()].filter((t) => copied.get(t) !== rebuilt.get(t));
		const rows = [...rebuilt.values()].reduce(
			(n, json) => n + (JSON.parse(json) as unknown[]).length,
			0
		);
		return { rows, differing, ms: performance.now() - started };
	} finally {
		await client.end();
	}
}
