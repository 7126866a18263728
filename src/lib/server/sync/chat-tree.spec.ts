import { describe, expect, test } from 'vitest';
import { readChat } from './chat-tree.ts';
import { ShapeError } from './remote.ts';

const NOW = 1_800_000_000;

function chat(
	messages: Record<string, Record<string, unknown>>,
	extra: Record<string, unknown> = {}
) {
	return {
		id: 'chat1',
		user_id: 'u1',
		title: 'A chat',
		created_at: NOW - 7200,
		updated_at: NOW - 3600,
		chat: { models: ['m-default'], history: { currentId: null, messages } },
		...extra
	};
}

describe('readChat', () => {
	test('reads every branch and every usage shape', () => {
		const result = readChat(
			chat({
				q: { role: 'user', content: 'abcdefgh', timestamp: NOW - 5000, parentId: null },
				a1: {
					role: 'assistant',
					model: 'm1',
					parentId: 'q',
					timestamp: NOW - 4990,
					usage: { input_tokens: 10, output_tokens: 20 }
				},
				a2: {
					role: 'assistant',
					model: 'm2',
					parentId: 'q',
					timestamp: NOW - 4980,
					usage: { prompt_tokens: 11, completion_tokens: 21 }
				},
				a3: {
					role: 'assistant',
					model: 'm3',
					parentId: 'q',
					timestamp: NOW - 4970,
					info: { prompt_eval_count: 12, eval_count: 22, total_duration: 2_500_000_000 }
				},
				a4: {
					role: 'assistant',
					model: 'm4',
					parentId: 'q',
					timestamp: NOW - 4960,
					info: { usage: { prompt_tokens: 13, completion_tokens: 23 } }
				},
				a5: {
					role: 'assistant',
					parentId: 'q',
					timestamp: NOW - 4950,
					content: 'x'.repeat(9),
					error: { content: 'boom' }
				}
			}),
			NOW
		);
		expect(result.messages.map((m) => [m.key, m.role, m.model, m.usage, m.status])).toEqual([
			['chat1-q', 'user', null, null, 'done'],
			[
				'chat1-a1',
				'assistant',
				'm1',
				{ promptTokens: 10, completionTokens: 20, durationMs: null, estimated: false },
				'done'
			],
			[
				'chat1-a2',
				'assistant',
				'm2',
				{ promptTokens: 11, completionTokens: 21, durationMs: null, estimated: false },
				'done'
			],
			[
				'chat1-a3',
				'assistant',
				'm3',
				{ promptTokens: 12, completionTokens: 22, durationMs: 2500, estimated: false },
				'done'
			],
			[
				'chat1-a4',
				'assistant',
				'm4',
				{ promptTokens: 13, completionTokens: 23, durationMs: null, estimated: false },
				'done'
			],
			// No usage: estimated from the context (8 chars → 2) and the answer (9 chars → 3).
			[
				'chat1-a5',
				'assistant',
				'm-default',
				{ promptTokens: 2, completionTokens: 3, durationMs: null, estimated: true },
				'error'
			]
		]);
		expect(result.warnings).toEqual([]);
	});

	test('reads milliseconds, and clamps missing or future times to the chat’s last save', () => {
		const result = readChat(
			chat({
				a: { role: 'user', timestamp: (NOW - 100) * 1000 + 5 },
				b: { role: 'user', timestamp: NOW + 3 * 86_400 },
				c: { role: 'user' }
			}),
			NOW
		);
		expect(result.messages.map((m) => m.createdAt.getTime())).toEqual([
			(NOW - 100) * 1000 + 5,
			(NOW - 3600) * 1000,
			(NOW - 3600) * 1000
		]);
		expect(result.warnings).toEqual([
			'1 message timestamp(s) were in the future; used the chat’s time',
			'1 message timestamp(s) were missing; used the chat’s time'
		]);
	});

	test('reads legacy chats whose messages are a linear list', () => {
		const result = readChat(
			{
				...chat({}),
				chat: {
					messages: [
						{ id: 'x', role: 'user' },
						{ id: 'y', role: 'assistant', model: 'm' }
					]
				}
			},
			NOW
		);
		expect(result.messages.map((m) => [m.key, m.parentId])).toEqual([
			['chat1-x', null],
			['chat1-y', 'x']
		]);
	});

	test('refuses what cannot be imported whole, naming the problem', () => {
		expect(() => readChat('nope', NOW)).toThrow(new ShapeError('the chat is not a JSON object.'));
		expect(() => readChat({ id: 'c' }, NOW)).toThrow('The chat has no "user_id".');
		expect(() => readChat(chat({ q: { content: 'hi' } }), NOW)).toThrow('message q has no "role".');
		expect(() => readChat({ ...chat({}), chat: { history: { messages: [] } } }, NOW)).toThrow(
			'"chat.history.messages" is not an object.'
		);
	});

	test('survives a cycle in a malformed tree', () => {
		const result = readChat(
			chat({
				a: { role: 'user', parentId: 'b', content: 'aaaa' },
				b: { role: 'assistant', parentId: 'a', content: 'bbbb' }
			}),
			NOW
		);
		expect(result.messages).toHaveLength(2);
	});
});
