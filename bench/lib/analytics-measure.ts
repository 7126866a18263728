/**
 * Timing for bench/analytics.ts: runs a function repeatedly and reports wall-clock and CPU
 * percentiles. On SQLite the queries run in this process (its read worker thread included), so the
 * process's CPU time over a run is the work itself; on a loaded machine it is steadier than wall
 * time, and both are printed. On PostgreSQL the CPU column shows this process's share only.
 */
import { percentile, table as textTable } from './harness.ts';

export interface Timing {
	runs: number;
	wallP50: number;
	wallP95: number;
	cpuP50: number;
	cpuP95: number;
}

function cpuMs(): number {
	const { user, system } = process.cpuUsage();
	return (user + system) / 1000;
}

/** Runs `fn` once to warm up (not counted, unless `warmUp` is false), then `runs` times. */
export async function measure(
	runs: number,
	fn: () => Promise<unknown>,
	warmUp = true
): Promise<Timing> {
	if (warmUp) await fn();
	const wall: number[] = [];
	const cpu: number[] = [];
	for (let i = 0; i < runs; i++) {
		const [w, c] = [performance.now(), cpuMs()];
		await fn();
		wall.push(performance.now() - w);
		cpu.push(cpuMs() - c);
	}
	return {
		runs,
		wallP50: percentile(wall, 50),
		wallP95: percentile(wall, 95),
		cpuP50: percentile(cpu, 50),
		cpuP95: percentile(cpu, 95)
	};
}

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);

export interface Row {
	widget: string;
	rollup: Timing;
	raw?: Timing;
	goalMs: number;
}

/** The results table: rollups (wall and CPU), the raw aggregate beside them, the ratio, the goal. */
export function table(rows: Row[]): string {
	const header = [
		'widget',
		'rollup p50',
		'rollup p95',
		'cpu p50',
		'cpu p95',
		'raw p50',
		'raw p95',
		'raw/rollup',
		'goal'
	];
	const body = rows.map((r) => [
		r.widget,
		ms(r.rollup.wallP50),
		ms(r.rollup.wallP95),
		ms(r.rollup.cpuP50),
		ms(r.rollup.cpuP95),
		r.raw ? ms(r.raw.wallP50) : '—',
		r.raw ? ms(r.raw.wallP95) : '—',
		r.raw ? `${(r.raw.wallP50 / Math.max(r.rollup.wallP50, 0.01)).toFixed(0)}x` : '—',
		`${r.rollup.wallP95 < r.goalMs ? 'ok' : 'MISS'} (<${r.goalMs}${
			r.rollup.cpuP95 < r.goalMs && r.rollup.wallP95 >= r.goalMs ? ', cpu ok' : ''
		})`
	]);
	return textTable([header, ...body], 1);
}
