import { describe, expect, it } from 'vitest';
import { CompletionStreamParser, type StreamEvent } from './completion-stream.ts';

const delta = (content: string, finish: string | null = null) =>
	`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** Feeds `pieces` one read at a time, then the end of the stream. */
function parse(pieces: string[]) {
	const parser = new CompletionStreamParser();
	const events: StreamEvent[] = [];
	for (const piece of pieces) {
		events.push(...parser.feed(piece));
		if (parser.failure || parser.done) break;
	}
	if (!parser.failure && !parser.done) events.push(...parser.end());
	const text = events.map((e) => (e.type === 'content' ? e.text : '')).join('');
	// What admins read (the provider's own words); members read `failure.message`.
	return { done: parser.done, error: parser.failure?.adminMessage, text };
}

/** Every way of splitting `text` into two reads. */
function splits(text: string): string[][] {
	return Array.from({ length: text.length - 1 }, (_, i) => [
		text.slice(0, i + 1),
		text.slice(i + 1)
	]);
}

const LEGACY_ERROR =
	'error: {"code":500,"message":"the request exceeds the available context size","type":"exceed_context_size_error"}\n\n';

describe('CompletionStreamParser', () => {
	it('reads content to [DONE]', () => {
		expect(parse([delta('Hel'), delta('lo', 'stop'), 'data: [DONE]\n\n'])).toEqual({
			done: true,
			error: undefined,
			text: 'Hello'
		});
	});

	it("fails on llama.cpp's legacy `error:` line before [DONE], wherever the reads split it", () => {
		const stream = delta('Part ') + LEGACY_ERROR + 'data: [DONE]\n\n';
		for (const pieces of splits(stream)) {
			expect(parse(pieces)).toEqual({
				done: false,
				error: 'The provider reported an error: the request exceeds the available context size',
				text: 'Part '
			});
		}
	});

	it('fails on a data event carrying an error (OpenAI, vLLM, current llama.cpp)', () => {
		const current = `data: ${JSON.stringify({ error: { code: 500, message: 'boom', type: 'server_error' } })}\n\n`;
		expect(parse([delta('a'), current])).toMatchObject({
			error: 'The provider reported an error: boom',
			text: 'a'
		});
		expect(parse([delta('a'), 'data: {"error":"plain"}\n\n']).error).toBe(
			'The provider reported an error: plain'
		);
	});

	it("tells members only that the provider failed, and cleans the provider's words for admins", () => {
		const parser = new CompletionStreamParser((said) => said.replace('sk-secret', '[redacted]'));
		parser.feed(delta('a'));
		parser.feed('data: {"error":{"message":"bad key sk-secret"}}\n\n');
		expect(parser.failure?.message).toBe('The provider reported an error mid-answer.');
		expect(parser.failure?.adminMessage).toBe('The provider reported an error: bad key [redacted]');
	});

	it('fails on an `event: error` event', () => {
		expect(parse([delta('a'), 'event: error\ndata: {"message":"overloaded"}\n\n']).error).toBe(
			'The provider reported an error: overloaded'
		);
		expect(parse([delta('a'), 'event: error\ndata: overloaded\n\n']).error).toBe(
			'The provider reported an error: overloaded'
		);
	});

	it.each([
		['length', /cut off: the model reached its length limit/],
		['content_filter', /content filter stopped the answer/],
		['error', /ended the answer with an error/]
	])(
		'fails when the answer finishes with finish_reason %s, keeping the text',
		(reason, message) => {
			const result = parse([delta('So far', reason), 'data: [DONE]\n\n']);
			expect(result.done).toBe(false);
			expect(result.error).toMatch(message);
			expect(result.text).toBe('So far');
		}
	);

	it('accepts a stream that ends after a normal finish without [DONE]', () => {
		expect(parse([delta('Hi', 'stop')])).toMatchObject({ done: true, text: 'Hi' });
		expect(parse([delta('Hi', 'length')]).error).toMatch(/cut off/);
	});

	it('fails when the stream ends without a finish, and drops a cut-off last line', () => {
		expect(parse([delta('Hi')]).error).toBe(
			'The provider closed the stream before finishing the answer.'
		);
		expect(parse([delta('Hi'), 'data: {"choices":[{"delta":{"content":"X"'])).toMatchObject({
			error: 'The provider closed the stream before finishing the answer.',
			text: 'Hi'
		});
	});

	it('refuses malformed data and endless lines', () => {
		expect(parse(['data: {nope\n\n']).error).toBe('The provider sent a malformed event.');
		expect(parse(['data: ' + 'x'.repeat(5 * 1024 * 1024)]).error).toBe(
			'The provider sent an event over 4 MB.'
		);
	});
});
