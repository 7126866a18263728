/**
 * The orchestrator's side of bench/lib/members.ts: spawns member worker processes, splits the
 * members between them, and merges what they measure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { exited, ROOT, stopChild, track, withTimeout } from './harness.ts';
import type { MemberReply, MemberRequest, MemberSpec } from './ipc.ts';
import { Histogram, now } from './latency.ts';

const IPC_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 120_000;

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

type Request = MemberRequest extends infer R ? (R extends { id: number } ? R : never) : never;
type Body<T extends Request['type']> = Omit<Extract<Request, { type: T }>, 'id'>;

class Worker {
	readonly child: ChildProcess;
	readonly #pending = new Map<number, { resolve(r: MemberReply): void; reject(e: Error): void }>();
	#nextId = 1;

	constructor() {
		this.child = track(
			spawn(process.execPath, ['bench/lib/members.ts'], {
				cwd: ROOT,
				stdio: ['ignore', 'inherit', 'inherit', 'ipc']
			})
		);
		this.child.on('message', (reply: MemberReply) => {
			this.#pending.get(reply.id)?.resolve(reply);
			this.#pending.delete(reply.id);
		});
		this.child.once('exit', (code) => {
			for (const { reject } of this.#pending.values()) {
				reject(new Error(`member worker exited (${code})`));
			}
			this.#pending.clear();
		});
	}

	async ask<T extends Request['type']>(
		body: Body<T>,
		timeoutMs = IPC_TIMEOUT_MS
	): Promise<Extract<MemberReply, { type: T }>> {
		const id = this.#nextId++;
		const answer = new Promise<MemberReply>((resolve, reject) => {
			this.#pending.set(id, { resolve, reject });
		});
		this.child.send({ ...body, id } as MemberRequest);
		return (await withTimeout(answer, timeoutMs, `member worker ${body.type}`)) as Extract<
			MemberReply,
			{ type: T }
		>;
	}
}

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
		const fleet = new MemberFleet(Array.from({ length: count }, () => new Worker()));
		try {
			const replies = await Promise.all(
				fleet.#workers.map((worker, w) =>
					worker.ask<'open'>(
						{
							type: 'open',
							url,
							members: members.filter((_, i) => i % count === w),
							concurrency: Math.ceil(concurrency / count)
						},
						CONNECT_TIMEOUT_MS
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
		await Promise.all(this.#workers.map((w) => w.ask<'phase'>({ type: 'phase', tag })));
	}

	async received(): Promise<number> {
		const replies = await Promise.all(this.#workers.map((w) => w.ask<'count'>({ type: 'count' })));
		return replies.reduce((sum, r) => sum + r.received, 0);
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
		const replies = await Promise.all(this.#workers.map((w) => w.ask<'stats'>({ type: 'stats' })));
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
				const { now: theirs } = await worker.ask<'clock'>({ type: 'clock' });
				const t1 = now();
				if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: theirs - (t0 + t1) / 2 };
			}
			offset = Math.max(offset, Math.abs(best.offset));
			uncertainty = Math.max(uncertainty, best.rtt / 2);
		}
		return { offset, uncertainty };
	}

	async close(): Promise<void> {
		await Promise.all(
			this.#workers.map(async ({ child }) => {
				if (child.connected) child.send({ type: 'close' } satisfies MemberRequest);
				await withTimeout(exited(child), 10_000, 'member worker exit').catch(() =>
					stopChild(child, 1000)
				);
			})
		);
	}
}
