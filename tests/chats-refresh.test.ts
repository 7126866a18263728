import { describe, expect, it } from 'vitest';
import type { ChatMessageDto } from '#lib/shared/chats.ts';
import { anotherTab, clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, ChatDb, fakeTokens, newChat, until } from './helpers/chats.ts';
import type { TestSocket } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser;
let db: ChatDb;

useParley({ env: RELAXED_LIMITS, fakeProvider: true }, async (kit) => {
	ana = await kit.user('Ana');
	await kit.setUpProvider(ana);
	db = kit.own(await ChatDb.open(kit));
});

/** A tab opened mid-stream: it listens first, then loads the snapshot and applies deltas after it. */
async function openLateTab(chatId: string, messageId: string) {
	const socket = await anotherTab(ana);
	const tab = new AnswerAssembler(socket, { awaitSeed: true });
	const snapshot = await ok(socket, 'chat:open', { chatId });
	const message = snapshot.messages.find((m) => m.id === messageId) as ChatMessageDto;
	tab.seed(message);
	return { socket, tab, seen: message };
}

/**
 * Watches one message row through a second database connection every few milliseconds and counts
 * how often it changed (each Prisma update sets `updatedAt`).
 */
function watchRow(id: string) {
	const versions: { updatedAt: string; length: number; status: string }[] = [];
	let watching = true;
	const watched = (async () => {
		while (watching) {
			const row = await db.message(id);
			const last = versions.at(-1);
			if (row && (!last || last.updatedAt !== row.updatedAt)) {
				versions.push({ updatedAt: row.updatedAt, length: row.content.length, status: row.status });
			}
			await new Promise((resolve) => setTimeout(resolve, 3));
		}
	})();
	return {
		versions,
		stop: async () => {
			watching = false;
			await watched;
		}
	};
}

describe('a tab that opens mid-stream', () => {
	it('assembles exactly the full answer from the snapshot and the deltas after it', async () => {
		const TOKENS = 200;
		const expected = fakeTokens(TOKENS);
		const first = new AnswerAssembler(ana.socket);
		const chatId = await newChat(ana);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: `Slow answer [[tokens=${TOKENS} delay=10]]`,
			parentId: null,
			clientId: clientId()
		});
		const started = Date.now();
		const rows = watchRow(assistant.id);

		const late: { socket: TestSocket; tab: AnswerAssembler; seen: ChatMessageDto }[] = [];
		for (const share of [0.1, 0.5, 0.9]) {
			const marker = `t${Math.round(TOKENS * share)} `;
			await until(
				() => first.texts.get(assistant.id)?.content.includes(marker),
				`${share * 100}% of the answer`
			);
			const opened = await openLateTab(chatId, assistant.id);
			// The snapshot carries the live text (at least what the first tab already had), not the
			// throttled copy in the database.
			expect(opened.seen.status).toBe('streaming');
			expect(opened.seen.content).toContain(marker);
			expect(expected.startsWith(opened.seen.content)).toBe(true);
			expect(opened.seen.content.length).toBeLessThan(expected.length);
			late.push(opened);
		}

		const done = await first.final(assistant.id);
		const elapsedS = (Date.now() - started) / 1000;
		await new Promise((r) => setTimeout(r, 30));
		await rows.stop();
		expect(done.status).toBe('done');
		expect(done.content).toBe(expected);
		expect(first.texts.get(assistant.id)?.content).toBe(expected);
		for (const { socket, tab } of late) {
			expect(await tab.final(assistant.id)).toEqual(done);
			expect(tab.gaps).toBe(0);
			expect(tab.texts.get(assistant.id)?.content).toBe(expected);
			socket.disconnect();
		}

		// What was persisted is the same text, and a fresh open shows it as done.
		const row = await db.message(assistant.id);
		expect(row?.content).toBe(expected);
		expect(row?.status).toBe('done');
		const reopened = await ok(ana.socket, 'chat:open', { chatId });
		expect(reopened.messages.find((m) => m.id === assistant.id)).toEqual(done);

		// Throttled writes: at most 4 a second plus the final one, not one per token; but the text
		// is saved while streaming (a crash keeps most of it).
		const writes = rows.versions.length - 1; // the first version is the row as created
		expect(elapsedS).toBeGreaterThan(1.9);
		expect(writes).toBeLessThanOrEqual(Math.ceil(elapsedS * 4) + 1);
		expect(writes).toBeGreaterThanOrEqual(4);
		const partial = rows.versions.filter((v) => v.status === 'streaming' && v.length > 0);
		expect(partial.length).toBeGreaterThanOrEqual(3);
		const lengths = rows.versions.map((v) => v.length);
		expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
	});

	it('a tab opened after the answer ended gets the final text and no deltas', async () => {
		const chatId = await newChat(ana);
		const first = new AnswerAssembler(ana.socket);
		const { assistant } = await ok(ana.socket, 'chat:send', {
			chatId,
			content: 'Quick [[tokens=12]]',
			parentId: null,
			clientId: clientId()
		});
		const done = await first.final(assistant.id);
		const { socket, tab, seen } = await openLateTab(chatId, assistant.id);
		expect(seen).toEqual(done);
		expect(tab.texts.get(assistant.id)?.content).toBe(fakeTokens(12));
		socket.disconnect();
	});
});
