import { externalCount } from '../db/int-column.ts';
import { readCappedText, ResponseTooLarge } from '../outbound/body.ts';
import type { OutboundClient, OutboundRequest, Response } from '../outbound/client.ts';
import { remoteLine } from '../outbound/remote-text.ts';
import type { SecretRedactor } from '../secrets/redactor.ts';
import { CompletionStreamParser, type StreamEvent } from './completion-stream.ts';
import { ProviderError, errorFromFetch, errorFromResponse } from './provider-error.ts';

export interface ProviderEndpoint {
	baseUrl: string;
	apiKey: string;
}

/** How provider requests go out: through the outbound guard, with remote text redacted. */
export interface ProviderHttp {
	outbound: OutboundClient;
	redactor: SecretRedactor;
}

/** Model lists and non-streaming completions are read up to this size. */
const MAX_JSON_BYTES = 8 * 1_048_576;

export interface ChatTurn {
	role: 'system' | 'user' | 'assistant';
	content: string;
}

export type { StreamEvent } from './completion-stream.ts';

/** A non-streaming completion, as far as Parley reads it. */
interface Completion {
	choices?: { message?: { content?: string | null } }[];
	usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

function url(endpoint: ProviderEndpoint, path: string): string {
	return endpoint.baseUrl.replace(/\/+$/, '') + path;
}

function headers(endpoint: ProviderEndpoint): Record<string, string> {
	return {
		'content-type': 'application/json',
		accept: 'application/json, text/event-stream',
		...(endpoint.apiKey && { authorization: `Bearer ${endpoint.apiKey}` })
	};
}

async function request(
	http: ProviderHttp,
	endpoint: ProviderEndpoint,
	path: string,
	init: Omit<OutboundRequest, 'headers'>
): Promise<Response> {
	const target = url(endpoint, path);
	let response: Response;
	try {
		response = await http.outbound.fetch(target, { ...init, headers: headers(endpoint) });
	} catch (error) {
		throw errorFromFetch(error, target);
	}
	if (!response.ok) {
		throw await errorFromResponse(response, (text) =>
			http.redactor.redact(text, [endpoint.apiKey])
		);
	}
	return response;
}

/** Reads a JSON answer within MAX_JSON_BYTES; undefined when it is not JSON. */
async function readJson(response: Response): Promise<unknown> {
	let text: string;
	try {
		text = await readCappedText(response, MAX_JSON_BYTES);
	} catch (error) {
		if (!(error instanceof ResponseTooLarge)) throw error;
		throw new ProviderError('not_openai', 'The provider’s answer is over 8 MB; it was not read.');
	}
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

function isHtml(response: Response): boolean {
	return (response.headers.get('content-type') ?? '').includes('text/html');
}

const NOT_OPENAI =
	'The URL answers with a web page, not an OpenAI-compatible API. Check the base URL (it usually ends in /v1).';

/** GET /models: the ids a provider offers. */
export async function listModels(
	http: ProviderHttp,
	endpoint: ProviderEndpoint,
	signal: AbortSignal
): Promise<string[]> {
	const response = await request(http, endpoint, '/models', { method: 'GET', signal });
	if (isHtml(response)) throw new ProviderError('not_openai', NOT_OPENAI);
	const body = (await readJson(response)) as { data?: { id?: unknown }[] } | undefined;
	if (!body || typeof body !== 'object') {
		throw new ProviderError(
			'not_openai',
			'The provider did not answer with JSON: this is not an OpenAI-compatible API.'
		);
	}
	if (!Array.isArray(body.data)) {
		throw new ProviderError(
			'not_openai',
			'The answer has no model list ("data"): this is not an OpenAI-compatible API.'
		);
	}
	// Model ids are shown to members: one that quotes a configured key is left out.
	return body.data
		.map((m) => m.id)
		.filter((id): id is string => typeof id === 'string')
		.filter((id) => http.redactor.redact(id, [endpoint.apiKey]) === id);
}

/** One non-streaming completion (used for titles), with configured secrets redacted. */
export async function complete(
	http: ProviderHttp,
	endpoint: ProviderEndpoint,
	body: { model: string; messages: ChatTurn[]; max_tokens?: number },
	signal: AbortSignal
): Promise<string> {
	const response = await request(http, endpoint, '/chat/completions', {
		method: 'POST',
		body: JSON.stringify({ ...body, stream: false }),
		signal
	});
	const json = (await readJson(response)) as Completion | undefined;
	const content = json?.choices?.[0]?.message?.content ?? '';
	return http.redactor.redact(content, [endpoint.apiKey]);
}

/**
 * A streaming chat completion (see CompletionStreamParser for what it understands). Aborting
 * `signal` closes the connection, so the provider sees the request cancelled.
 */
export async function* streamChat(
	http: ProviderHttp,
	endpoint: ProviderEndpoint,
	body: { model: string; messages: ChatTurn[] },
	signal: AbortSignal
): AsyncGenerator<StreamEvent> {
	const response = await request(http, endpoint, '/chat/completions', {
		method: 'POST',
		body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
		signal
	});
	const type = response.headers.get('content-type') ?? '';
	if (isHtml(response)) throw new ProviderError('not_openai', NOT_OPENAI);
	if (!type.includes('text/event-stream')) {
		yield* nonStreaming(response);
		return;
	}
	if (!response.body) {
		throw new ProviderError('broken_stream', 'The provider sent an empty answer.');
	}

	const parser = new CompletionStreamParser((said) =>
		remoteLine(said, (text) => http.redactor.redact(text, [endpoint.apiKey]))
	);
	const decoder = new TextDecoder();
	const reader = response.body.getReader();
	try {
		while (!parser.done) {
			let read: ReadableStreamReadResult<Uint8Array>;
			try {
				read = await reader.read();
			} catch {
				throw signal.aborted
					? new ProviderError('aborted', 'Stopped.')
					: new ProviderError('broken_stream', 'The connection to the provider broke mid-answer.');
			}
			if (read.done) {
				yield* parser.end(decoder.decode());
				if (parser.failure) throw parser.failure;
				break;
			}
			yield* parser.feed(decoder.decode(read.value, { stream: true }));
			if (parser.failure) throw parser.failure;
		}
	} finally {
		if (!parser.done) await reader.cancel().catch(() => {});
		reader.releaseLock();
	}
}

/** Some servers ignore `stream: true` and answer with one JSON completion; accept that too. */
async function* nonStreaming(response: Response): AsyncGenerator<StreamEvent> {
	const json = (await readJson(response)) as Completion | undefined;
	if (!json || typeof json !== 'object') {
		throw new ProviderError(
			'not_openai',
			'The provider answered with neither an event stream nor JSON: this is not an OpenAI-compatible API.'
		);
	}
	const content = json.choices?.[0]?.message?.content;
	if (typeof content !== 'string') {
		throw new ProviderError(
			'not_openai',
			'The provider answer has no completion: this is not an OpenAI-compatible API.'
		);
	}
	if (content) yield { type: 'content', text: content };
	if (json.usage) {
		yield {
			type: 'usage',
			promptTokens: externalCount(json.usage.prompt_tokens) ?? 0,
			completionTokens: externalCount(json.usage.completion_tokens) ?? 0
		};
	}
}
