import { describe, expect, it } from 'vitest';
import type { ChatMessageDto } from '#lib/shared/chats.ts';
import {
	clientId,
	ok,
	record,
	RELAXED_LIMITS,
	waitForEvent,
	type TestUser
} from './helpers/channels.ts';
import { AnswerAssembler, ChatDb } from './helpers/chats.ts';
import type { FakeOpenAI } from './fakes/openai.ts';
import { useParley } from './helpers/kit.ts';

let fake: FakeOpenAI;
let ana: TestUser;
let db: ChatDb;
let tab: AnswerAssembler;
let updates: ReturnType<typeof record<'chat:updated'>>;

const SYSTEM = 'You are terse.';

useParley({ env: RELAXED_LIMITS, fakeProvider: true }, async (kit) => {
	fake = kit.provider;
	ana = await kit.user('Ana');
	await kit.setUpProvider(ana);
	db = kit.own(await ChatDb.open(kit));
	tab = new AnswerAssembler(ana.socket);
	updates = record(ana.socket, 'chat:updated');
});

/** Runs `start` with the fake answering `reply`, waits for the answer and returns the messages the provider got. */
async function answered<T extends { id: string } | { assistant: { id: string } }>(
	reply: string,
	start: () => Promise<T>
): Promise<{ result: T; done: ChatMessageDto; sent: { role: string; content: string }[] }> {
	fake.setScenario({ reply });
	const before = fake.requests.length;
	const result = await start();
	const id = 'assistant' in result ? result.assistant.id : result.id;
	const done = await tab.final(id);
	expect(done.status).toBe('done');
	expect(done.content).toBe(reply);
	const request = fake.requests.slice(before).find((r) => r.body.stream);
	return { result, done, sent: request?.body.messages ?? [] };
}

describe('branches of a chat', () => {
	it('regenerate and edit make siblings; switch shows a branch; the provider gets only its path', async () => {
		const chat = await ok(ana.socket, 'chat:create', { systemPrompt: SYSTEM });
		const chatId = chat.id;
		const send = (content: string, parentId: string | null) => () =>
			ok(ana.socket, 'chat:send', { chatId, content, parentId, clientId: clientId() });
		/** The current leaf as stored, after checking that the tabs were told the same. */
		const leaf = async () => {
			const stored = (await db.chat(chatId))?.currentLeafId;
			const announced = updates.events.filter((c) => c.id === chatId).at(-1)?.currentLeafId;
			expect(announced).toBe(stored);
			return stored;
		};

		// Q1 → A1
		const first = await answered('Answer one', send('Question one', null));
		const q1 = first.result.user;
		const a1 = first.done;
		expect(first.sent).toEqual([
			{ role: 'system', content: SYSTEM },
			{ role: 'user', content: 'Question one' }
		]);
		expect(await leaf()).toBe(a1.id);

		// Regenerate A1 → A1b, a sibling under Q1 that becomes the current leaf.
		const regen = await answered('Answer one b', () =>
			ok(ana.socket, 'chat:regenerate', { messageId: a1.id })
		);
		const a1b = regen.done;
		expect(a1b.id).not.toBe(a1.id);
		expect(a1b.parentId).toBe(q1.id);
		expect(await leaf()).toBe(a1b.id);
		expect(regen.sent).toEqual(first.sent);

		// Q2 after A1b: the provider sees A1b, never A1.
		const second = await answered('Answer two', send('Question two', a1b.id));
		const q2 = second.result.user;
		const a2 = second.done;
		expect(q2.parentId).toBe(a1b.id);
		expect(second.sent).toEqual([
			{ role: 'system', content: SYSTEM },
			{ role: 'user', content: 'Question one' },
			{ role: 'assistant', content: 'Answer one b' },
			{ role: 'user', content: 'Question two' }
		]);
		expect(await leaf()).toBe(a2.id);

		// Edit Q1 → Q1e (sibling of Q1, no parent) with its own answer; nothing of the old branch is sent.
		const edited = await answered('Answer edited', () =>
			ok(ana.socket, 'chat:edit', {
				messageId: q1.id,
				content: 'Question one, edited',
				clientId: clientId()
			})
		);
		const q1e = edited.result.user;
		const a1e = edited.done;
		expect(q1e.id).not.toBe(q1.id);
		expect(q1e.parentId).toBeNull();
		expect(q1e.role).toBe('user');
		expect(a1e.parentId).toBe(q1e.id);
		expect(edited.sent).toEqual([
			{ role: 'system', content: SYSTEM },
			{ role: 'user', content: 'Question one, edited' }
		]);
		expect(await leaf()).toBe(a1e.id);

		// Edit Q2 (deeper in the tree): the sibling hangs under A1b and the path keeps A1b.
		const editedDeep = await answered('Answer two edited', () =>
			ok(ana.socket, 'chat:edit', {
				messageId: q2.id,
				content: 'Question two?',
				clientId: clientId()
			})
		);
		const q2e = editedDeep.result.user;
		expect(q2e.parentId).toBe(a1b.id);
		expect(editedDeep.sent).toEqual([
			{ role: 'system', content: SYSTEM },
			{ role: 'user', content: 'Question one' },
			{ role: 'assistant', content: 'Answer one b' },
			{ role: 'user', content: 'Question two?' }
		]);
		const a2e = editedDeep.done;

		// Switch back to the first branch: its newest leaf (Q1 → A1b → Q2e → A2e), announced to tabs.
		const announced = waitForEvent(ana.socket, 'chat:updated', (c) => c.id === chatId);
		const switched = await ok(ana.socket, 'chat:switch', { chatId, messageId: q1.id });
		expect(switched.currentLeafId).toBe(a2e.id);
		expect((await announced).currentLeafId).toBe(a2e.id);
		expect(await leaf()).toBe(a2e.id);

		// Switch to the old answer A1 (a leaf): the leaf is A1 itself; to Q2: its only answer A2.
		expect((await ok(ana.socket, 'chat:switch', { chatId, messageId: a1.id })).currentLeafId).toBe(
			a1.id
		);
		expect((await ok(ana.socket, 'chat:switch', { chatId, messageId: q2.id })).currentLeafId).toBe(
			a2.id
		);

		// Replying on the switched-to branch sends exactly that branch's path.
		const onA2 = await answered('Answer three', send('Question three', a2.id));
		expect(onA2.sent).toEqual([
			{ role: 'system', content: SYSTEM },
			{ role: 'user', content: 'Question one' },
			{ role: 'assistant', content: 'Answer one b' },
			{ role: 'user', content: 'Question two' },
			{ role: 'assistant', content: 'Answer two' },
			{ role: 'user', content: 'Question three' }
		]);

		// Regenerating an answer deep in the tree sends the path up to its question only.
		const regenDeep = await answered('Answer two c', () =>
			ok(ana.socket, 'chat:regenerate', { messageId: a2.id })
		);
		expect(regenDeep.sent).toEqual(second.sent);
		expect(regenDeep.done.parentId).toBe(q2.id);
		expect(await leaf()).toBe(regenDeep.done.id);

		// The whole tree is in the snapshot, each message once, with the right parents.
		const snapshot = await ok(ana.socket, 'chat:open', { chatId });
		const parents = Object.fromEntries(snapshot.messages.map((m) => [m.id, m.parentId]));
		expect(parents).toEqual({
			[q1.id]: null,
			[a1.id]: q1.id,
			[a1b.id]: q1.id,
			[q2.id]: a1b.id,
			[a2.id]: q2.id,
			[q1e.id]: null,
			[a1e.id]: q1e.id,
			[q2e.id]: a1b.id,
			[a2e.id]: q2e.id,
			[onA2.result.user.id]: a2.id,
			[onA2.done.id]: onA2.result.user.id,
			[regenDeep.done.id]: q2.id
		});
		expect(snapshot.chat.currentLeafId).toBe(regenDeep.done.id);
		fake.setScenario(null);
	});

	it('refuses to regenerate a question, edit an answer, or switch to a message of another chat', async () => {
		const chatA = (await ok(ana.socket, 'chat:create', {})).id;
		const chatB = (await ok(ana.socket, 'chat:create', {})).id;
		const { user, assistant } = await ok(ana.socket, 'chat:send', {
			chatId: chatA,
			content: 'Hello [[tokens=3]]',
			parentId: null,
			clientId: clientId()
		});
		await tab.final(assistant.id);
		const before = await db.messageCount();
		const results = await Promise.all([
			ok(ana.socket, 'chat:regenerate', { messageId: user.id }).catch((e: Error) => e.message),
			ok(ana.socket, 'chat:edit', {
				messageId: assistant.id,
				content: 'x',
				clientId: clientId()
			}).catch((e: Error) => e.message),
			ok(ana.socket, 'chat:switch', { chatId: chatB, messageId: assistant.id }).catch(
				(e: Error) => e.message
			),
			ok(ana.socket, 'chat:send', {
				chatId: chatB,
				content: 'reply across chats',
				parentId: assistant.id,
				clientId: clientId()
			}).catch((e: Error) => e.message)
		]);
		expect(results).toEqual([
			'chat:regenerate failed: bad_request Only an answer can be regenerated.',
			'chat:edit failed: bad_request Only your own messages can be edited.',
			'chat:switch failed: not_found No such message in this chat.',
			'chat:send failed: not_found The message you reply to is not in this chat.'
		]);
		expect(await db.messageCount()).toBe(before);
		expect((await db.chat(chatB))?.currentLeafId).toBeNull();
	});
});
