import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.ts';
import type { TrialVerdict } from './trial.ts';
import type { TrialAnswer, TrialJob } from './update-worker.ts';

/** More large updates than this waiting for the worker are refused (the sender may resend). */
const MAX_WAITING = 32;
/** The worker gets this long per job, plus time to build the note's copy from its state. */
const BASE_TIMEOUT_MS = 5_000;
const STATE_BYTES_PER_MS = 4096;

interface Pending {
	job: TrialJob;
	resolve: (verdict: TrialVerdict) => void;
}

const refused = (message: string): TrialVerdict => ({
	ok: false,
	code: 'malformed_update',
	message
});

/** Not the update's fault: the sender may send it again. */
const later = (message: string): TrialVerdict => ({ ok: false, code: 'rate_limited', message });

/**
 * The main thread's handle on the update-check worker: one worker thread, started on first use,
 * checking one large update at a time. A job that outlives its time (a loop, a quadratic update)
 * or kills the worker (out of memory) is refused, the worker is terminated, and a fresh one takes
 * the next job: nothing a client sends can stall the main thread here.
 */
export class UpdateWorkerClient {
	readonly #log: Logger;
	readonly #baseTimeoutMs: number;
	readonly #waiting: Pending[] = [];
	#worker: Worker | null = null;
	#running: (Pending & { timer: ReturnType<typeof setTimeout> }) | null = null;
	#nextId = 1;
	#closed = false;

	constructor(log: Logger, options: { timeoutMs?: number } = {}) {
		this.#log = log;
		this.#baseTimeoutMs = options.timeoutMs ?? BASE_TIMEOUT_MS;
	}

	/** Checks `update` against a copy of the note whose encoded state is `state`. */
	check(state: Uint8Array, update: Uint8Array, budgetMs: number): Promise<TrialVerdict> {
		if (this.#closed) return Promise.resolve(later('The server is shutting down.'));
		if (this.#waiting.length >= MAX_WAITING) {
			return Promise.resolve(
				later('The server is busy checking other large changes. Send this one again shortly.')
			);
		}
		return new Promise((resolve) => {
			this.#waiting.push({ job: { id: this.#nextId++, state, update, budgetMs }, resolve });
			this.#next();
		});
	}

	/** Terminates the worker; waiting checks are refused. */
	async close(): Promise<void> {
		this.#closed = true;
		for (const pending of this.#waiting.splice(0)) {
			pending.resolve(later('The server is shutting down.'));
		}
		this.#finish(later('The server is shutting down.'));
		await this.#stop();
	}

	#next(): void {
		if (this.#running || this.#closed) return;
		const pending = this.#waiting.shift();
		if (!pending) return;
		const worker = this.#start();
		const timeoutMs =
			this.#baseTimeoutMs + Math.ceil(pending.job.state.length / STATE_BYTES_PER_MS);
		const timer = setTimeout(() => {
			this.#log.warn({ timeoutMs }, 'a note update took too long to check; restarting the worker');
			this.#finish(refused(`The update could not be checked within ${timeoutMs} ms.`));
			void this.#stop();
			this.#next();
		}, timeoutMs);
		this.#running = { ...pending, timer };
		worker.postMessage(pending.job);
	}

	#start(): Worker {
		if (this.#worker) return this.#worker;
		const worker = new Worker(new URL('./update-worker.ts', import.meta.url), {
			resourceLimits: { maxOldGenerationSizeMb: 1024 }
		});
		worker.unref();
		worker.on('message', (answer: TrialAnswer) => {
			if (this.#running?.job.id !== answer.id) return;
			this.#finish(answer.verdict);
			this.#next();
		});
		// An uncaught error (out of memory included) ends the worker: refuse its job, start afresh.
		worker.on('error', (err) => {
			this.#log.warn({ err }, 'the note update worker failed');
		});
		worker.on('exit', () => {
			if (this.#worker !== worker) return;
			this.#worker = null;
			this.#finish(refused('The update could not be checked.'));
			this.#next();
		});
		this.#worker = worker;
		return worker;
	}

	#finish(verdict: TrialVerdict): void {
		const running = this.#running;
		if (!running) return;
		this.#running = null;
		clearTimeout(running.timer);
		running.resolve(verdict);
	}

	async #stop(): Promise<void> {
		const worker = this.#worker;
		this.#worker = null;
		await worker?.terminate();
	}
}
