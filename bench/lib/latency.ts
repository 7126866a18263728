/**
 * The clock every bench process reads, and a latency histogram that workers fill and the
 * orchestrator merges.
 *
 * Clock: `performance.timeOrigin + performance.now()`, milliseconds since the Unix epoch with
 * sub-millisecond resolution. Each process derives `timeOrigin` from the system's wall clock at its
 * start and then advances with the monotonic clock, so processes on one machine agree to within
 * microseconds (bench/channels.ts measures and prints the disagreement), and no reading ever jumps.
 */
export function now(): number {
	return performance.timeOrigin + performance.now();
}

/** Bucket width: 0.1 ms. */
const RESOLUTION_MS = 0.1;
/** Latencies from 30 s up share the last bucket. */
const BUCKETS = 300_001;

export class Histogram {
	readonly counts = new Uint32Array(BUCKETS);
	count = 0;

	record(ms: number): void {
		const bucket = Math.min(Math.max(Math.round(ms / RESOLUTION_MS), 0), BUCKETS - 1);
		this.counts[bucket] += 1;
		this.count += 1;
	}

	/** [bucket, count] for every non-empty bucket, for sending over IPC. */
	toSparse(): [number, number][] {
		const pairs: [number, number][] = [];
		for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) pairs.push([i, this.counts[i]]);
		return pairs;
	}

	add(sparse: [number, number][]): void {
		for (const [bucket, count] of sparse) {
			this.counts[bucket] += count;
			this.count += count;
		}
	}

	/** The latency (ms) at or below which `p` percent of the samples fall; NaN when empty. */
	percentile(p: number): number {
		if (this.count === 0) return NaN;
		const rank = Math.max(1, Math.ceil((p / 100) * this.count));
		let seen = 0;
		for (let i = 0; i < BUCKETS; i++) {
			seen += this.counts[i];
			if (seen >= rank) return i * RESOLUTION_MS;
		}
		return (BUCKETS - 1) * RESOLUTION_MS;
	}

	max(): number {
		for (let i = BUCKETS - 1; i >= 0; i--) if (this.counts[i]) return i * RESOLUTION_MS;
		return NaN;
	}
}
