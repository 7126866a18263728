import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessageDto, ChatSummary } from '#lib/shared/chats.ts';
import { answerDetails, thinkingLabel, thinkingSeconds } from './answer-info.ts';
import { sortChats, touchChat, upsertChat } from './order.ts';
import { Throttle } from './throttle.ts';

function answer(extra: Partial<ChatMessageDto> = {}): ChatMessageDto {
	return {
		id: 'a',
		chatId: 'c',
		parentId: 'q',
		role: 'assistant',
		content: 'x'.repeat(30),
		reasoning: 'r'.repeat(10),
		status: 'done',
		error: null,
		modelName: 'Fake GPT',
		promptTokens: 1200,
		completionTokens: 40,
		tokensEstimated: false,
		ttftMs: 400,
		durationMs: 2000,
		createdAt: '2026-01-01T00:00:00.000Z',
		...extra
	};
}

function chat(id: string, updatedAt: string, pinned = false): ChatSummary {
	return {
		id,
		title: id,
		pinned,
		modelId: null,
		systemPrompt: '',
		currentLeafId: null,
		createdAt: '2026-01-01T00:00:00.000Z',
		updatedAt
	};
}

describe('answerDetails', () => {
	it('formats model, tokens, time to first token and speed', () => {
		expect(answerDetails(answer())).toEqual({
			model: 'Fake GPT',
			tokens: '1,200 in · 40 out',
			estimated: false,
			firstToken: '0.4 s',
			speed: '20.0 tokens/s'
		});
	});

	it('leaves out what is not known yet', () => {
		const streaming = answer({
			status: 'streaming',
			promptTokens: null,
			completionTokens: null,
			ttftMs: null,
			durationMs: null,
			tokensEstimated: true
		});
		expect(answerDetails(streaming)).toMatchObject({
			tokens: null,
			firstToken: null,
			speed: null,
			estimated: true
		});
	});
});

describe('thinking time', () => {
	it('uses what this tab measured', () => {
		expect(thinkingSeconds(answer(), { startedAt: 1000, contentAt: 4400 })).toBe(3);
	});

	it('estimates from the server’s timings by the share of reasoning', () => {
		// 400 ms to the first token, then 1600 ms of which a quarter was reasoning.
		expect(thinkingSeconds(answer())).toBe(1);
		expect(thinkingSeconds(answer({ durationMs: 10_400 }))).toBe(3);
	});

	it('labels the reasoning while thinking and afterwards', () => {
		expect(thinkingLabel(answer({ status: 'streaming', content: '', durationMs: null }))).toBe(
			'Thinking…'
		);
		expect(thinkingLabel(answer({ durationMs: 10_400 }))).toBe('Thought for 3 s');
		expect(thinkingLabel(answer({ status: 'streaming', durationMs: null }))).toBe('Thoughts');
	});
});

describe('chat order', () => {
	it('puts pinned chats first, then the newest activity', () => {
		const list = sortChats([
			chat('old', '2026-01-01T00:00:00.000Z'),
			chat('new', '2026-01-03T00:00:00.000Z'),
			chat('pinned', '2026-01-02T00:00:00.000Z', true)
		]);
		expect(list.map((c) => c.id)).toEqual(['pinned', 'new', 'old']);
	});

	it('moves a chat up when a message arrives, never back', () => {
		const list = [chat('a', '2026-01-02T00:00:00.000Z'), chat('b', '2026-01-01T00:00:00.000Z')];
		expect(touchChat(list, 'b', '2026-01-03T00:00:00.000Z').map((c) => c.id)).toEqual(['b', 'a']);
		expect(touchChat(list, 'a', '2026-01-01T00:00:00.000Z')).toBe(list);
	});

	it('replaces a chat’s summary in place of the old one', () => {
		const list = [chat('a', '2026-01-02T00:00:00.000Z'), chat('b', '2026-01-01T00:00:00.000Z')];
		const renamed = { ...chat('b', '2026-01-01T00:00:00.000Z'), title: 'B', pinned: true };
		expect(upsertChat(list, renamed).map((c) => c.title)).toEqual(['B', 'a']);
	});
});

describe('Throttle', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('runs at once, then at most once per window with the latest call folded in', () => {
		const fn = vi.fn();
		const throttle = new Throttle(fn, 100, () => Date.now());
		throttle.schedule();
		expect(fn).toHaveBeenCalledTimes(1);
		throttle.schedule();
		throttle.schedule();
		expect(fn).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(100);
		expect(fn).toHaveBeenCalledTimes(2);
		vi.advanceTimersByTime(500);
		expect(fn).toHaveBeenCalledTimes(2);
	});

	it('flush runs now and drops the pending run; cancel drops it', () => {
		const fn = vi.fn();
		const throttle = new Throttle(fn, 100, () => Date.now());
		throttle.schedule();
		throttle.schedule();
		throttle.flush();
		expect(fn).toHaveBeenCalledTimes(2);
		vi.advanceTimersByTime(200);
		expect(fn).toHaveBeenCalledTimes(2);
		throttle.schedule();
		throttle.schedule();
		throttle.cancel();
		vi.advanceTimersByTime(200);
		expect(fn).toHaveBeenCalledTimes(3);
	});
});
