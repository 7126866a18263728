import { describe, expect, it } from 'vitest';
import type { ChatDelta, ChatMessageDto } from '#lib/shared/chats.ts';
import {
	applyDelta,
	childIndex,
	mergeSnapshot,
	newestLeafUnder,
	pathTo,
	upsertMessage,
	versionsOf
} from './tree.ts';

let clock = 0;
function msg(
	id: string,
	parentId: string | null,
	extra: Partial<ChatMessageDto> = {}
): ChatMessageDto {
	clock += 1;
	return {
		id,
		chatId: 'c',
		parentId,
		role: 'user',
		content: '',
		reasoning: '',
		status: 'done',
		error: null,
		modelName: '',
		promptTokens: null,
		completionTokens: null,
		tokensEstimated: false,
		ttftMs: null,
		durationMs: null,
		createdAt: new Date(1_700_000_000_000 + clock * 1000).toISOString(),
		...extra
	};
}

/**
 *   q1 ─┬─ a1
 *       └─ a2 ── q2 ── a3
 *   q1b ── a4            (an edit of q1)
 */
function tree() {
	const q1 = msg('q1', null);
	const a1 = msg('a1', 'q1', { role: 'assistant' });
	const a2 = msg('a2', 'q1', { role: 'assistant' });
	const q2 = msg('q2', 'a2');
	const a3 = msg('a3', 'q2', { role: 'assistant' });
	const q1b = msg('q1b', null);
	const a4 = msg('a4', 'q1b', { role: 'assistant' });
	return [q1, a1, a2, q2, a3, q1b, a4];
}

const delta = (offset: number, text: string, field: ChatDelta['field'] = 'content'): ChatDelta => ({
	chatId: 'c',
	messageId: 'a',
	field,
	offset,
	text
});

describe('pathTo', () => {
	it('walks parents from the leaf up to the root', () => {
		expect(pathTo(tree(), 'a3').map((m) => m.id)).toEqual(['q1', 'a2', 'q2', 'a3']);
		expect(pathTo(tree(), 'a4').map((m) => m.id)).toEqual(['q1b', 'a4']);
	});

	it('is empty for no leaf or an unknown one', () => {
		expect(pathTo(tree(), null)).toEqual([]);
		expect(pathTo(tree(), 'nope')).toEqual([]);
	});

	it('never loops forever on a cycle', () => {
		const a = msg('x', 'y');
		const b = msg('y', 'x');
		expect(pathTo([a, b], 'x').length).toBeLessThanOrEqual(3);
	});
});

describe('versionsOf', () => {
	it('counts siblings with the same parent, oldest first', () => {
		const messages = tree();
		const index = childIndex(messages);
		const find = (id: string) => messages.find((m) => m.id === id) as ChatMessageDto;
		expect(versionsOf(index, find('a1'))).toEqual({
			position: 1,
			count: 2,
			previousId: null,
			nextId: 'a2'
		});
		expect(versionsOf(index, find('a2'))).toEqual({
			position: 2,
			count: 2,
			previousId: 'a1',
			nextId: null
		});
		// Root messages are siblings of each other.
		expect(versionsOf(index, find('q1b'))).toMatchObject({ position: 2, count: 2 });
		expect(versionsOf(index, find('q2'))).toMatchObject({ position: 1, count: 1 });
	});
});

describe('newestLeafUnder', () => {
	it('follows the newest child down to a leaf', () => {
		const index = childIndex(tree());
		expect(newestLeafUnder(index, 'q1')).toBe('a3');
		expect(newestLeafUnder(index, 'a1')).toBe('a1');
		expect(newestLeafUnder(index, 'q1b')).toBe('a4');
	});
});

describe('applyDelta', () => {
	const streaming = msg('a', 'q', { role: 'assistant', status: 'streaming', content: 'Hello' });

	it('appends text that starts at the end', () => {
		const outcome = applyDelta(streaming, delta(5, ' world'));
		expect(outcome).toMatchObject({ kind: 'applied', message: { content: 'Hello world' } });
	});

	it('skips a repeat', () => {
		expect(applyDelta(streaming, delta(0, 'Hello'))).toEqual({ kind: 'duplicate' });
		expect(applyDelta(streaming, delta(2, 'll'))).toEqual({ kind: 'duplicate' });
	});

	it('keeps only the new part of an overlapping piece', () => {
		const outcome = applyDelta(streaming, delta(3, 'lo there'));
		expect(outcome).toMatchObject({ kind: 'applied', message: { content: 'Hello there' } });
	});

	it('reports a gap when the piece starts past the end', () => {
		expect(applyDelta(streaming, delta(6, 'x'))).toEqual({ kind: 'gap' });
	});

	it('applies reasoning separately from content', () => {
		const outcome = applyDelta(streaming, delta(0, 'hmm', 'reasoning'));
		expect(outcome).toMatchObject({ message: { content: 'Hello', reasoning: 'hmm' } });
	});
});

describe('upsertMessage', () => {
	it('adds new messages in creation order', () => {
		const [q1, a1, a2] = tree();
		const { messages, isNew } = upsertMessage([q1, a2], a1);
		expect(isNew).toBe(true);
		expect(messages.map((m) => m.id)).toEqual(['q1', 'a1', 'a2']);
	});

	it('does not shorten a streaming answer with an older streaming copy', () => {
		const have = msg('a', 'q', { status: 'streaming', content: 'Hello world' });
		const stale = { ...have, content: 'Hello' };
		const { messages, isNew } = upsertMessage([have], stale);
		expect(isNew).toBe(false);
		expect(messages[0].content).toBe('Hello world');
	});

	it('takes the final state as it is', () => {
		const have = msg('a', 'q', { status: 'streaming', content: 'Hello world' });
		const final = { ...have, status: 'stopped' as const, content: 'Hello' };
		expect(upsertMessage([have], final).messages[0]).toEqual(final);
	});
});

describe('mergeSnapshot', () => {
	it('keeps newer streamed text and messages the snapshot does not have yet', () => {
		const q = msg('q', null);
		const a = msg('a', 'q', { status: 'streaming', content: 'one two three' });
		const later = msg('q2', 'a');
		const snapshot = [q, { ...a, content: 'one two' }];
		const merged = mergeSnapshot([q, a, later], snapshot);
		expect(merged.map((m) => m.id)).toEqual(['q', 'a', 'q2']);
		expect(merged[1].content).toBe('one two three');
	});

	it('otherwise replaces the tab’s copy', () => {
		const a = msg('a', null, { status: 'streaming', content: 'abc' });
		const merged = mergeSnapshot([a], [{ ...a, status: 'done', content: 'xyz' }]);
		expect(merged[0]).toMatchObject({ status: 'done', content: 'xyz' });
	});
});
