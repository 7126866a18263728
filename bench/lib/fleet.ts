/**
 * The orchestrator's side of bench/lib/members.ts: spawns member worker processes, splits the
 * members between them, and merges what they measure (bench/channels.ts, bench/connections.ts).
 */
import { Histogram, now } from './latency.ts';
import type { MemberSpec, MembersApi } from './members.ts';
import { spawnProcess, type BenchProcess } from './processes.ts';

export interface Deliveries {
	received: number;
	firstAt: number;
	lastAt: number;
	negative: number;
	histogram: Histogram;
	/** Fewest and most deliveries to any one member: equal when every member got every message. */
	perSocketMin: number;
	perSocketMax: number;
	/** CPU time the member workers used since the phase started, in total. */
	cpuMs: number;
	/** Member sockets that disconnected during the phase (their later messages are lost). */
	disconnects: number;
}

type Worker = BenchProcess<MembersApi>;

export class MemberFleet {
	readonly #workers: Worker[];

	private constructor(workers: Worker[]) {
		this.#workers = workers;
	}

	/**
	 * Spawns `workers` processes and connects `members` (split evenly) to `url`, at most
	 * `concurrency` handshakes in flight in total. Resolves once all are connected; rejects (after
	 * closing) if any handshake is refused.
	 */
	static async open(
		url: string,
		members: MemberSpec[],
		workers: number,
		concurrency: number
	): Promise<{ fleet: MemberFleet; ms: number }> {
		const count = Math.min(workers, members.length);
		const fleet = new MemberFleet(
			await Promise.all(
				Array.from({ length: count }, (_, w) =>
					spawnProcess<MembersApi>('bench/lib/members.ts', { name: `member worker ${w}` })
				)
			)
		);
		try {
			const replies = await Promise.all(
				fleet.#workers.map((worker, w) =>
					worker.api.open(
						url,
						members.filter((_, i) => i % count === w),
						Math.ceil(concurrency / count)
					)
				)
			);
			const failed = replies.reduce((sum, r) => sum + r.failed, 0);
			const connected = replies.reduce((sum, r) => sum + r.connected, 0);
			if (failed || connected !== members.length) {
				const reason = replies.find((r) => r.firstError)?.firstError;
				throw new Error(`${failed} of ${members.length} member connections failed: ${reason}`);
			}
			return { fleet, ms: Math.max(...replies.map((r) => r.ms)) };
		} catch (error) {
			await fleet.close();
			throw error;
		}
	}

	/** Starts counting messages tagged `tag` (and resets the counters). */
	async phase(tag: string): Promise<void> {
		await Promise.all(this.#workers.map((w) => w.api.phase(tag)));
	}

	async received(): Promise<number> {
		const counts = await Promise.all(this.#workers.map((w) => w.api.count()));
		return counts.reduce((sum, n) => sum + n, 0);
	}

	/** Waits until `expected` deliveries arrived or nothing new came for `quietMs`. */
	async drain(expected: number, quietMs = 5000): Promise<number> {
		let last = -1;
		let since = Date.now();
		for (;;) {
			const received = await this.received();
			if (received >= expected) return received;
			if (received !== last) {
				last = received;
				since = Date.now();
			} else if (Date.now() - since > quietMs) {
				return received;
			}
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	async stats(): Promise<Deliveries> {
		const replies = await Promise.all(this.#workers.map((w) => w.api.stats()));
		const histogram = new Histogram();
		for (const r of replies) histogram.add(r.histogram);
		const firsts = replies.filter((r) => r.received).map((r) => r.firstAt);
		return {
			received: replies.reduce((sum, r) => sum + r.received, 0),
			firstAt: firsts.length ? Math.min(...firsts) : NaN,
			lastAt: Math.max(...replies.map((r) => r.lastAt)),
			negative: replies.reduce((sum, r) => sum + r.negative, 0),
			histogram,
			perSocketMin: Math.min(...replies.map((r) => r.perSocketMin)),
			perSocketMax: Math.max(...replies.map((r) => r.perSocketMax)),
			cpuMs: replies.reduce((sum, r) => sum + r.cpuMs, 0),
			disconnects: replies.reduce((sum, r) => sum + r.disconnects, 0)
		};
	}

	/**
	 * How far the workers' clocks are from this process's: for each worker, the offset seen in the
	 * fastest of `rounds` IPC round trips (worker reading minus the round trip's midpoint), ± half
	 * that round trip. Returns the largest |offset| and the largest uncertainty, in ms.
	 */
	async clockSkew(rounds = 5): Promise<{ offset: number; uncertainty: number }> {
		let offset = 0;
		let uncertainty = 0;
		for (const worker of this.#workers) {
			let best = { rtt: Infinity, offset: 0 };
			for (let i = 0; i < rounds; i++) {
				const t0 = now();
				const theirs = await worker.api.clock();
				const t1 = now();
				if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: theirs - (t0 + t1) / 2 };
			}
			offset = Math.max(offset, Math.abs(best.offset));
			uncertainty = Math.max(uncertainty, best.rtt / 2);
		}
		return { offset, uncertainty };
	}

	async close(): Promise<void> {
		await Promise.all(this.#workers.map((worker) => worker.stop()));
	}
}
