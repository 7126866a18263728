import type { ChatMessageDto } from '#lib/shared/chats.ts';

/** When this tab saw an answer start and its first content arrive (ms, performance.now()). */
export interface AnswerTiming {
	startedAt?: number;
	contentAt?: number;
}

/** The per-answer details shown on hover or focus; null parts are unknown yet. */
export interface AnswerDetails {
	model: string;
	/** "12 in · 40 out" */
	tokens: string | null;
	estimated: boolean;
	/** "0.4 s" */
	firstToken: string | null;
	/** "35.2 tokens/s" */
	speed: string | null;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function answerDetails(message: ChatMessageDto): AnswerDetails {
	const { promptTokens, completionTokens, ttftMs, durationMs } = message;
	return {
		model: message.modelName || 'Unknown model',
		tokens:
			promptTokens !== null && completionTokens !== null
				? `${promptTokens.toLocaleString('en')} in · ${completionTokens.toLocaleString('en')} out`
				: null,
		estimated: message.tokensEstimated,
		firstToken: ttftMs !== null ? seconds(ttftMs) : null,
		speed:
			completionTokens !== null && durationMs
				? `${(completionTokens / (durationMs / 1000)).toFixed(1)} tokens/s`
				: null
	};
}

/**
 * How long the model thought before answering, in whole seconds (at least 1): measured by this tab
 * when it watched the answer start, else estimated from the server's timings by the share of text
 * that is reasoning. Null while unknown.
 */
export function thinkingSeconds(message: ChatMessageDto, timing?: AnswerTiming): number | null {
	let ms: number | null = null;
	if (timing?.startedAt !== undefined && timing.contentAt !== undefined) {
		ms = timing.contentAt - timing.startedAt;
	} else if (message.durationMs !== null && message.reasoning) {
		const ttft = message.ttftMs ?? 0;
		const share = message.reasoning.length / (message.reasoning.length + message.content.length);
		ms = ttft + (message.durationMs - ttft) * share;
	}
	return ms === null ? null : Math.max(1, Math.round(ms / 1000));
}

/** The label of an answer's reasoning: "Thinking…" while it thinks, then "Thought for N s". */
export function thinkingLabel(message: ChatMessageDto, timing?: AnswerTiming): string {
	if (message.status === 'streaming' && !message.content) return 'Thinking…';
	const s = thinkingSeconds(message, timing);
	return s === null ? 'Thoughts' : `Thought for ${s} s`;
}
