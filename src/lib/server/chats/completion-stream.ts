import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { externalCount } from '../db/int-column.ts';
import { ProviderError } from './provider-error.ts';
import { withoutNul } from '../nul.ts';

/** What a streaming completion yields, in order. */
export type StreamEvent =
	| { type: 'content'; text: string }
	| { type: 'reasoning'; text: string }
	| { type: 'usage'; promptTokens: number; completionTokens: number };

interface Chunk {
	choices?: {
		delta?: {
			content?: string | null;
			reasoning_content?: string | null;
			reasoning?: string | null;
		};
		finish_reason?: string | null;
	}[];
	usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
	error?: unknown;
}

/** A line longer than this without a line break is not an event stream any more. */
const MAX_LINE_CHARS = 4 * 1024 * 1024;

/**
 * Finish reasons that mean the answer is not complete. `length`: the model hit its token or
 * context limit; `content_filter`: the provider withheld the rest; `error`: the provider failed
 * mid-answer (OpenRouter sends it with an `error` object).
 */
const UNFINISHED: Record<string, string> = {
	length:
		'The answer was cut off: the model reached its length limit. Continue lets it go on, or start a new chat if the conversation has grown too long.',
	content_filter: "The provider's content filter stopped the answer.",
	error: 'The provider ended the answer with an error.'
};

/**
 * Parses an OpenAI-compatible chat completion event stream: events split across reads or several
 * per read, `[DONE]`, reasoning deltas (`reasoning_content` or `reasoning`), the usage-only final
 * chunk, and every way providers report a failure mid-answer:
 * - a `data:` event whose JSON has an `error` (OpenAI, vLLM, current llama.cpp, OpenRouter);
 * - an `error:` line, which older llama.cpp servers send before `data: [DONE]` (not a standard SSE
 *   field, so SSE parsers drop it silently unless asked);
 * - an `event: error` event;
 * - a `finish_reason` of `length`, `content_filter` or `error`.
 *
 * The parser only ever sees whole lines: eventsource-parser discards a partial line that cannot
 * become a standard field, which would lose an `error:` line split across two reads.
 */
export class CompletionStreamParser {
	/** The provider said the answer is complete (`[DONE]`). */
	done = false;
	failure: ProviderError | undefined;
	readonly #queue: StreamEvent[] = [];
	readonly #parser: EventSourceParser;
	#partial: string[] = [];
	#partialChars = 0;
	/** The last finish_reason a choice gave. */
	#finish: string | null = null;

	/** Makes the provider's own words safe to show an admin (redacted, one line). */
	readonly #clean: (said: string) => string;

	constructor(clean: (said: string) => string = (said) => said) {
		this.#clean = clean;
		this.#parser = createParser({
			onEvent: (event) => this.#onEvent(event.event, event.data),
			onError: (error) => this.#onParseError(error)
		});
	}

	/** Feeds decoded text; returns the events it completed (consecutive text joined). */
	feed(text: string): StreamEvent[] {
		const cut = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
		if (cut === -1) {
			this.#partial.push(text);
			this.#partialChars += text.length;
			if (this.#partialChars > MAX_LINE_CHARS) {
				this.#fail('broken_stream', 'The provider sent an event over 4 MB.');
			}
		} else {
			this.#partial.push(text.slice(0, cut + 1));
			const lines = this.#partial.join('');
			this.#partial = [text.slice(cut + 1)];
			this.#partialChars = this.#partial[0].length;
			this.#parser.feed(lines);
		}
		return this.#queue.splice(0);
	}

	/**
	 * The stream ended. A stream that ended without `[DONE]` is still complete when its last choice
	 * finished normally (some servers, e.g. ik_llama.cpp by default, never send `[DONE]`).
	 */
	end(rest = ''): StreamEvent[] {
		const events = this.feed(rest);
		// An unterminated last line is cut off and dropped, as the SSE spec says; a last event that
		// only lacks its blank line still counts.
		this.#partial = [];
		this.#partialChars = 0;
		this.#parser.feed('\n');
		if (!this.failure && !this.done) {
			if (this.#finish) this.#finishWith();
			else {
				this.#fail('broken_stream', 'The provider closed the stream before finishing the answer.');
			}
		}
		return [...events, ...this.#queue.splice(0)];
	}

	#onEvent(type: string | undefined, data: string): void {
		if (this.done || this.failure) return;
		if (data.trim() === '[DONE]') {
			this.#finishWith();
			return;
		}
		let chunk: Chunk;
		try {
			chunk = JSON.parse(data) as Chunk;
		} catch {
			if (type === 'error') this.#reported(data);
			else this.#fail('broken_stream', 'The provider sent a malformed event.');
			return;
		}
		if (chunk.error || type === 'error') {
			this.#reported(chunk.error ?? chunk);
			return;
		}
		for (const choice of chunk.choices ?? []) {
			const delta = choice.delta ?? {};
			const reasoning = delta.reasoning_content ?? delta.reasoning;
			if (typeof reasoning === 'string' && reasoning) this.#text('reasoning', reasoning);
			if (typeof delta.content === 'string' && delta.content) this.#text('content', delta.content);
			if (typeof choice.finish_reason === 'string') this.#finish = choice.finish_reason;
		}
		if (chunk.usage) {
			this.#queue.push({
				type: 'usage',
				promptTokens: externalCount(chunk.usage.prompt_tokens) ?? 0,
				completionTokens: externalCount(chunk.usage.completion_tokens) ?? 0
			});
		}
	}

	/** Older llama.cpp writes `error: {"code":500,"message":…,"type":…}`: an unknown SSE field. */
	#onParseError(error: ParseError): void {
		if (this.done || this.failure || error.type !== 'unknown-field' || error.field !== 'error') {
			return;
		}
		let body: unknown = error.value;
		try {
			body = JSON.parse(error.value ?? '');
		} catch {
			// a plain-text message
		}
		this.#reported(body);
	}

	#finishWith(): void {
		const unfinished = this.#finish ? UNFINISHED[this.#finish] : undefined;
		if (unfinished) this.#fail('server_error', unfinished);
		else this.done = true;
	}

	/** Joins text to the previous piece of the same kind: one read becomes one delta per kind. */
	#text(type: 'content' | 'reasoning', raw: string): void {
		const value = withoutNul(raw);
		const last = this.#queue.at(-1);
		if (last?.type === type) last.text += value;
		else this.#queue.push({ type, text: value });
	}

	#fail(failure: 'server_error' | 'broken_stream', message: string): void {
		this.failure ??= new ProviderError(failure, message);
	}

	/**
	 * The provider reported an error: members read that it did, admins also what it said (its words
	 * could quote the key, so they are cleaned first).
	 */
	#reported(error: unknown): void {
		const said = this.#clean(messageOf(error));
		this.failure ??= new ProviderError(
			'server_error',
			'The provider reported an error mid-answer.',
			{
				adminMessage: `The provider reported an error: ${said || 'no message'}`
			}
		);
	}
}

/** The provider's own words for an error object, string or `{ error: … }` wrapper. */
function messageOf(error: unknown): string {
	if (typeof error === 'string') return error.trim();
	if (!error || typeof error !== 'object') return '';
	const { message, error: inner } = error as { message?: unknown; error?: unknown };
	if (typeof message === 'string') return message.trim();
	return inner === undefined ? '' : messageOf(inner);
}
