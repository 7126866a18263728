import type { SqlDb } from '../db/adapter-sql.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import type { AnswerStatus, ChatDelta } from '#lib/shared/chats.ts';
import { rooms } from '#lib/shared/events.ts';
import { estimateTokens, toChatMessageDto, type ChatMessageRow } from './dto.ts';
import { finishAnswer, saveAnswerText, upsertAnswerUsage } from './answer-sql.ts';
import {
	streamChat,
	type ChatTurn,
	type ProviderEndpoint,
	type ProviderHttp
} from './openai-client.ts';
import { ProviderError } from './provider-error.ts';
import type { UsageRollups } from '../usage/rollups.ts';
import { StreamRedactor } from '../secrets/stream-redactor.ts';
import { uuidv7 } from '../db/uuid.ts';

/** The growing answer is written at most this often (and on finish, stop and error). */
export const PERSIST_EVERY_MS = 250;

export interface JobSpec {
	chatId: string;
	messageId: string;
	userId: string;
	endpoint: ProviderEndpoint;
	providerName: string;
	model: {
		id: string;
		remoteId: string;
		displayName: string;
		inputPricePerMTok: number;
		outputPricePerMTok: number;
	};
	turns: ChatTurn[];
	/** Continuing an interrupted answer: what it already says. */
	prefix?: { content: string; reasoning: string };
}

export interface JobDeps {
	db: Db;
	sql: SqlDb;
	bus: RealtimeBus;
	log: Logger;
	http: ProviderHttp;
	rollups: UsageRollups;
	firstTokenTimeoutMs: number;
	stallTimeoutMs: number;
}

type EndReason = 'stopped' | 'interrupted' | 'first_token_timeout' | 'stall_timeout';

/**
 * One answer streaming from a provider, independent of any socket: it runs until the provider
 * finishes, the user presses Stop, a timeout fires or the server shuts down. Deltas go to every tab
 * of the user with their offset; the text is persisted at most every 250 ms and at the end, when the
 * usage row is written too.
 */
export class CompletionJob {
	readonly spec: JobSpec;
	content: string;
	reasoning: string;
	readonly done: Promise<AnswerStatus>;
	readonly #deps: JobDeps;
	readonly #controller = new AbortController();
	#endReason: EndReason | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#persistTimer: ReturnType<typeof setTimeout> | undefined;
	#writes: Promise<unknown> = Promise.resolve();
	#usage: { promptTokens: number; completionTokens: number } | undefined;
	readonly #startedAt = Date.now();
	#firstTokenAt: number | undefined;
	/** A provider could quote a key back in its answer: none reaches the user or the database. */
	readonly #redact: Record<'content' | 'reasoning', StreamRedactor>;

	constructor(spec: JobSpec, deps: JobDeps) {
		this.spec = spec;
		this.#deps = deps;
		this.#redact = {
			content: new StreamRedactor(deps.http.redactor),
			reasoning: new StreamRedactor(deps.http.redactor)
		};
		this.content = spec.prefix?.content ?? '';
		this.reasoning = spec.prefix?.reasoning ?? '';
		this.done = this.#run();
	}

	/** Ends the answer now and cancels the provider request; the text so far is kept. */
	stop(reason: 'stopped' | 'interrupted' = 'stopped'): void {
		this.#endReason ??= reason;
		this.#controller.abort();
	}

	async #run(): Promise<AnswerStatus> {
		this.#arm('first_token_timeout', this.#deps.firstTokenTimeoutMs);
		const body = { model: this.spec.model.remoteId, messages: this.spec.turns };
		try {
			const { http } = this.#deps;
			const stream = streamChat(http, this.spec.endpoint, body, this.#controller.signal);
			for await (const event of stream) {
				if (event.type === 'usage') {
					this.#usage = event;
					continue;
				}
				this.#firstTokenAt ??= Date.now();
				this.#arm('stall_timeout', this.#deps.stallTimeoutMs);
				this.#append(event.type, event.text);
			}
			return await this.#finish('done', null);
		} catch (error) {
			return await this.#finish(...this.#explain(error));
		}
	}

	#explain(error: unknown): [AnswerStatus, string | null] {
		// Under a minute in seconds: minutes would round a short timeout down to "0 min".
		const minutes = (ms: number) =>
			ms < 60_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 6000) / 10} min`;
		switch (this.#endReason) {
			case 'stopped':
				return ['stopped', null];
			case 'interrupted':
				return ['interrupted', 'The server restarted while this answer was being written.'];
			case 'first_token_timeout':
				return [
					'error',
					`The model sent nothing for ${minutes(this.#deps.firstTokenTimeoutMs)}; the request was cancelled.`
				];
			case 'stall_timeout':
				return [
					'error',
					`The answer stalled for ${minutes(this.#deps.stallTimeoutMs)}; the request was cancelled.`
				];
		}
		if (error instanceof ProviderError) {
			// The user sees the plain message; the provider's own words are for admins, in the log.
			this.#deps.log.warn(
				{ messageId: this.spec.messageId, provider: this.spec.providerName, status: error.status },
				`answer failed: ${error.adminMessage}`
			);
			return ['error', error.message];
		}
		this.#deps.log.error({ err: error, messageId: this.spec.messageId }, 'completion failed');
		return ['error', 'Something went wrong while streaming the answer.'];
	}

	#append(field: 'content' | 'reasoning', piece: string): void {
		const text = this.#redact[field].push(piece);
		if (text) this.#emit(field, text);
	}

	#emit(field: 'content' | 'reasoning', text: string): void {
		const offset = this[field].length;
		this[field] += text;
		const delta: ChatDelta = {
			chatId: this.spec.chatId,
			messageId: this.spec.messageId,
			field,
			offset,
			text
		};
		this.#deps.bus.emit(rooms.user(this.spec.userId), 'chat:delta', delta);
		this.#persistTimer ??= setTimeout(() => {
			this.#persistTimer = undefined;
			void this.#write();
		}, PERSIST_EVERY_MS);
	}

	/** Arms the one timeout in force: first token, then stall between tokens. */
	#arm(reason: 'first_token_timeout' | 'stall_timeout', ms: number): void {
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => {
			this.#endReason ??= reason;
			this.#controller.abort();
		}, ms);
	}

	/**
	 * Writes the text so far. Writes are chained so they land in order; with hundreds of answers
	 * streaming they are the server's largest database load, so each is one statement on the seam.
	 */
	#write(): Promise<unknown> {
		const text = { content: this.content, reasoning: this.reasoning };
		this.#writes = this.#writes.then(() =>
			this.#deps.sql
				.run(saveAnswerText(this.spec.messageId, text, new Date()))
				.catch((error: unknown) => {
					this.#deps.log.error(
						{ err: error, messageId: this.spec.messageId },
						'persisting an answer failed'
					);
				})
		);
		return this.#writes;
	}

	async #finish(status: AnswerStatus, error: string | null): Promise<AnswerStatus> {
		clearTimeout(this.#timer);
		clearTimeout(this.#persistTimer);
		for (const field of ['reasoning', 'content'] as const) {
			const rest = this.#redact[field].flush();
			if (rest) this.#emit(field, rest);
		}
		clearTimeout(this.#persistTimer);
		const { spec } = this;
		const estimated = !this.#usage;
		const promptTokens =
			this.#usage?.promptTokens ?? estimateTokens(spec.turns.map((t) => t.content).join('\n'));
		const completionTokens =
			this.#usage?.completionTokens ?? estimateTokens(this.reasoning + this.content);
		const ttftMs = this.#firstTokenAt ? this.#firstTokenAt - this.#startedAt : null;
		const durationMs = Date.now() - this.#startedAt;
		const costUsd =
			(promptTokens * spec.model.inputPricePerMTok +
				completionTokens * spec.model.outputPricePerMTok) /
			1e6;
		await this.#writes;
		const { sql, bus, rollups } = this.#deps;
		const now = new Date();
		const answer = {
			content: this.content,
			reasoning: this.reasoning,
			status,
			error,
			promptTokens,
			completionTokens,
			tokensEstimated: estimated,
			ttftMs,
			durationMs
		};
		const usage = {
			id: uuidv7(now.getTime()),
			messageId: spec.messageId,
			userId: spec.userId,
			chatId: spec.chatId,
			providerName: spec.providerName,
			model: spec.model.displayName,
			promptTokens,
			completionTokens,
			tokensEstimated: estimated,
			costUsd,
			ttftMs,
			durationMs,
			status,
			createdAt: now
		};
		// The answer, its usage row and the usage rollups commit together.
		const row = await sql.transaction(async (tx) => {
			const message = await tx.get<ChatMessageRow>(finishAnswer(spec.messageId, answer, now));
			if (!message) throw new Error(`answer ${spec.messageId} is gone`);
			await rollups.recordAnswer(tx, { instanceId: 'local', messageId: spec.messageId }, () =>
				tx.run(upsertAnswerUsage(usage))
			);
			return message;
		});
		bus.emit(rooms.user(spec.userId), 'chat:message', toChatMessageDto(row));
		return status;
	}
}
