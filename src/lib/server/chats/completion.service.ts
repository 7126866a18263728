import { prismaTxSql } from '../db/prisma-sql.ts';
import { AppError } from '../errors.ts';
import { CompletionJob, type JobDeps, type JobSpec } from './completion-job.ts';
import { estimateTokens } from './dto.ts';

/**
 * The answers streaming in this process. Enforces the per-user limit, stops answers on request,
 * hands out the text so far to tabs that open mid-stream, and on start-up marks answers that a
 * previous process left streaming as interrupted (their text so far is kept).
 */
export class CompletionService {
	readonly #jobs = new Map<string, CompletionJob>();
	/** Slots held by sends whose rows are being written, per user. */
	readonly #reserved = new Map<string, number>();
	readonly #deps: JobDeps;
	readonly #maxPerUser: number;

	constructor(
		deps: Omit<JobDeps, 'firstTokenTimeoutMs' | 'stallTimeoutMs'>,
		limits: { maxPerUser: number; firstTokenTimeoutMs: number; stallTimeoutMs: number }
	) {
		this.#deps = {
			...deps,
			firstTokenTimeoutMs: limits.firstTokenTimeoutMs,
			stallTimeoutMs: limits.stallTimeoutMs
		};
		this.#maxPerUser = limits.maxPerUser;
	}

	/**
	 * Holds one of the user's stream slots while the answer's rows are written, or refuses when the
	 * user already has the maximum number of answers streaming or about to. The check and the hold
	 * happen together, so sends that arrive at once cannot all pass the check before any answer has
	 * started. Call `release()` once the job has started (it then counts itself) or on failure.
	 */
	reserve(userId: string): { release(): void } {
		const running = [...this.#jobs.values()].filter((job) => job.spec.userId === userId).length;
		const reserved = this.#reserved.get(userId) ?? 0;
		if (running + reserved >= this.#maxPerUser) {
			throw new AppError(
				'too_many_streams',
				`You already have ${running + reserved} answers streaming. Wait for one to finish or stop it.`
			);
		}
		this.#reserved.set(userId, reserved + 1);
		let held = true;
		return {
			release: () => {
				if (!held) return;
				held = false;
				const left = (this.#reserved.get(userId) ?? 1) - 1;
				if (left > 0) this.#reserved.set(userId, left);
				else this.#reserved.delete(userId);
			}
		};
	}

	start(spec: JobSpec): CompletionJob {
		const job = new CompletionJob(spec, this.#deps);
		this.#jobs.set(spec.messageId, job);
		void job.done.finally(() => this.#jobs.delete(spec.messageId));
		return job;
	}

	get(messageId: string): CompletionJob | undefined {
		return this.#jobs.get(messageId);
	}

	/** How many answers are streaming right now (for the operations panel). */
	get activeCount(): number {
		return this.#jobs.size;
	}

	/** Stops every answer (server shutting down), keeping their text, and waits for them to be saved. */
	async interruptAll(): Promise<void> {
		const jobs = [...this.#jobs.values()];
		for (const job of jobs) job.stop('interrupted');
		await Promise.allSettled(jobs.map((job) => job.done));
	}

	/** Answers a crashed process left streaming become interrupted, with usage estimated from their text. */
	async recoverInterrupted(): Promise<number> {
		const { db } = this.#deps;
		const stale = await db.chatMessage.findMany({
			where: { status: 'streaming' },
			include: { chat: { select: { userId: true } }, model: { include: { provider: true } } }
		});
		for (const row of stale) {
			const completionTokens = estimateTokens(row.reasoning + row.content);
			await db.$transaction(async (tx) => {
				await tx.chatMessage.update({
					where: { id: row.id },
					data: {
						status: 'interrupted',
						error: 'The server restarted while this answer was being written.',
						completionTokens,
						tokensEstimated: true
					}
				});
				await this.#deps.rollups.recordAnswer(
					prismaTxSql(tx, this.#deps.rollups.dialect),
					{ instanceId: 'local', messageId: row.id },
					() =>
						tx.usageRecord.upsert({
							where: { instanceId_messageId: { instanceId: 'local', messageId: row.id } },
							create: {
								messageId: row.id,
								userId: row.chat.userId,
								chatId: row.chatId,
								providerName: row.model?.provider.name ?? 'unknown',
								model: row.modelName,
								promptTokens: 0,
								completionTokens,
								tokensEstimated: true,
								costUsd: (completionTokens * (row.model?.outputPricePerMTok ?? 0)) / 1e6,
								status: 'interrupted'
							},
							update: { status: 'interrupted' }
						})
				);
			});
		}
		return stale.length;
	}
}
