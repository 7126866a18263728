import { describe, expect, it } from 'vitest';
import type { ChatMessageDto, ChatSnapshot, ChatSummary } from '#lib/shared/chats.ts';
import type { ServerToClientEvents } from '#lib/shared/events.ts';
import type { Transport } from '../channels/transport.ts';
import { ChatSession } from './chat-session.svelte.ts';

type Listener = (payload: never) => void;

/** A stand-in for the socket: answers chat:open from `snapshot`, records what was sent. */
class FakeTransport {
	connected = true;
	snapshot: ChatSnapshot;
	sent: { event: string; payload: unknown }[] = [];
	replies: Record<string, unknown> = {};
	#listeners = new Map<string, Set<Listener>>();
	#connected = new Set<() => void>();

	constructor(snapshot: ChatSnapshot) {
		this.snapshot = snapshot;
	}

	async emit(event: string, payload: unknown) {
		this.sent.push({ event, payload });
		await Promise.resolve();
		if (event === 'chat:open') return { ok: true, data: structuredClone(this.snapshot) };
		return { ok: true, data: this.replies[event] };
	}

	on(event: string, listener: Listener) {
		const set = this.#listeners.get(event) ?? new Set();
		set.add(listener);
		this.#listeners.set(event, set);
		return () => set.delete(listener);
	}

	onConnected(handler: () => void) {
		this.#connected.add(handler);
		return () => this.#connected.delete(handler);
	}

	fire<E extends keyof ServerToClientEvents>(
		event: E,
		payload: Parameters<ServerToClientEvents[E]>[0]
	) {
		for (const listener of this.#listeners.get(event) ?? []) listener(payload as never);
	}

	reconnect() {
		for (const handler of this.#connected) handler();
	}

	opens() {
		return this.sent.filter((s) => s.event === 'chat:open').length;
	}
}

function message(id: string, parentId: string | null, extra: Partial<ChatMessageDto> = {}) {
	return {
		id,
		chatId: 'c1',
		parentId,
		role: parentId ? 'assistant' : 'user',
		content: '',
		reasoning: '',
		status: 'done',
		error: null,
		modelName: 'Fake',
		promptTokens: null,
		completionTokens: null,
		tokensEstimated: false,
		ttftMs: null,
		durationMs: null,
		createdAt: `2026-01-01T00:00:0${id.length}.000Z`,
		...extra
	} satisfies ChatMessageDto;
}

function summary(currentLeafId: string | null): ChatSummary {
	return {
		id: 'c1',
		title: 'Chat',
		pinned: false,
		modelId: null,
		systemPrompt: '',
		currentLeafId,
		createdAt: '2026-01-01T00:00:00.000Z',
		updatedAt: '2026-01-01T00:00:00.000Z'
	};
}

const flush = () => new Promise((r) => setTimeout(r, 0));

async function openSession(snapshot: ChatSnapshot) {
	const transport = new FakeTransport(snapshot);
	const session = new ChatSession('c1', transport as unknown as Transport);
	await session.open();
	return { transport, session };
}

describe('ChatSession', () => {
	const q = message('q', null, { content: 'Hi' });
	const a = message('aa', 'q', { status: 'streaming', content: 'one ' });

	it('shows the path to the current leaf and grows it from deltas, idempotently', async () => {
		const { transport, session } = await openSession({ chat: summary('aa'), messages: [q, a] });
		expect(session.path.map((m) => m.id)).toEqual(['q', 'aa']);
		expect(session.streaming?.id).toBe('aa');

		const d = { chatId: 'c1', messageId: 'aa', field: 'content' as const };
		transport.fire('chat:delta', { ...d, offset: 4, text: 'two ' });
		transport.fire('chat:delta', { ...d, offset: 4, text: 'two ' });
		transport.fire('chat:delta', { ...d, offset: 0, text: 'one two three ' });
		expect(session.path[1].content).toBe('one two three ');
		expect(transport.opens()).toBe(1);
	});

	it('reloads the chat on a gap, and on every reconnect', async () => {
		const { transport, session } = await openSession({ chat: summary('aa'), messages: [q, a] });
		transport.snapshot = {
			chat: summary('aa'),
			messages: [q, { ...a, content: 'one two three four ' }]
		};
		transport.fire('chat:delta', {
			chatId: 'c1',
			messageId: 'aa',
			field: 'content',
			offset: 99,
			text: 'x'
		});
		await flush();
		expect(transport.opens()).toBe(2);
		expect(session.path[1].content).toBe('one two three four ');

		transport.reconnect();
		await flush();
		expect(transport.opens()).toBe(3);
	});

	it('applies final messages and moves to new ones, as the server does', async () => {
		const { transport, session } = await openSession({ chat: summary('aa'), messages: [q, a] });
		transport.fire('chat:message', { ...a, status: 'stopped', content: 'one two ' });
		expect(session.streaming).toBeUndefined();
		expect(session.path[1]).toMatchObject({ status: 'stopped', content: 'one two ' });

		const regenerated = message('bbb', 'q', { status: 'streaming' });
		transport.fire('chat:message', regenerated);
		expect(session.path.map((m) => m.id)).toEqual(['q', 'bbb']);
		expect(session.versions(session.path[1])).toMatchObject({ position: 2, count: 2 });
	});

	it('switches versions at once and sends chat:switch', async () => {
		const b = message('bbb', 'q', { content: 'second' });
		const { transport, session } = await openSession({
			chat: summary('bbb'),
			messages: [q, { ...a, status: 'done' }, b]
		});
		transport.replies['chat:switch'] = summary('aa');
		const switching = session.switchTo('aa');
		expect(session.path.at(-1)?.id).toBe('aa');
		expect(await switching).toBeNull();
		expect(transport.sent.at(-1)).toEqual({
			event: 'chat:switch',
			payload: { chatId: 'c1', messageId: 'aa' }
		});
	});

	it('sends after the current leaf', async () => {
		const done = { ...a, status: 'done' as const };
		const { transport, session } = await openSession({ chat: summary('aa'), messages: [q, done] });
		const user = message('qqqq', 'aa', { role: 'user', content: 'More' });
		const assistant = message('aaaaa', 'qqqq', { status: 'streaming' });
		transport.replies['chat:send'] = { user, assistant };
		expect(await session.send('More', 'client-id-1')).toBeNull();
		expect(transport.sent.at(-1)?.payload).toMatchObject({
			parentId: 'aa',
			clientId: 'client-id-1'
		});
		expect(session.path.map((m) => m.id)).toEqual(['q', 'aa', 'qqqq', 'aaaaa']);
	});
});
