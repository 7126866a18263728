import { describe, expect, test } from 'vitest';
import { CHAT_PAGE_SIZE, listUserChats } from './chat-listing.ts';
import type { ChatListItem } from './remote.ts';

/** A user's chats on the remote, served newest first like Open WebUI, counting page reads. */
function remote(count: number, newestS = 1_000_000) {
	const chats: ChatListItem[] = Array.from({ length: count }, (_, i) => ({
		id: `c${String(i).padStart(4, '0')}`,
		updatedS: newestS - i * 1000
	}));
	const reads: number[] = [];
	return {
		chats,
		reads,
		/** Called before each page is served, e.g. to change the listing mid-scan. */
		beforePage: undefined as ((page: number) => void) | undefined,
		fetchPage(page: number) {
			this.beforePage?.(page);
			reads.push(page);
			const sorted = [...this.chats].sort((a, b) => b.updatedS - a.updatedS);
			return Promise.resolve(sorted.slice((page - 1) * CHAT_PAGE_SIZE, page * CHAT_PAGE_SIZE));
		}
	};
}

const knownFrom = (chats: ChatListItem[]) => new Map(chats.map((c) => [c.id, c.updatedS]));

describe('listUserChats', () => {
	test('a first listing reads every page', async () => {
		const r = remote(130);
		const result = await listUserChats({
			fetchPage: (p) => r.fetchPage(p),
			known: new Map(),
			watermarkS: null,
			overlapS: 300
		});
		expect(r.reads).toEqual([1, 2, 3]);
		expect(result).toMatchObject({ complete: true, gone: [] });
		expect(result.seen.size).toBe(130);
	});

	test('an unchanged user with many pages costs one page and one probe', async () => {
		const r = remote(130);
		const result = await listUserChats({
			fetchPage: (p) => r.fetchPage(p),
			known: knownFrom(r.chats),
			watermarkS: r.chats[0].updatedS,
			overlapS: 300
		});
		expect(r.reads).toEqual([1, 3]);
		expect(result).toMatchObject({ complete: false, gone: [] });
	});

	test('a probe that lands on a page boundary checks the page before it too', async () => {
		const r = remote(180);
		await listUserChats({
			fetchPage: (p) => r.fetchPage(p),
			known: knownFrom(r.chats),
			watermarkS: r.chats[0].updatedS,
			overlapS: 300
		});
		expect(r.reads).toEqual([1, 4, 3]);
	});

	test('an old chat deleted below the watermark is found (count mismatch → full read)', async () => {
		const r = remote(130);
		const known = knownFrom(r.chats);
		const [victim] = r.chats.splice(100, 1);
		const result = await listUserChats({
			fetchPage: (p) => r.fetchPage(p),
			known,
			watermarkS: r.chats[0].updatedS,
			overlapS: 300
		});
		expect(result.gone).toEqual([victim.id]);
		expect(result.complete).toBe(true);
	});

	test('an old chat restored with its old time is found too', async () => {
		const r = remote(130);
		const known = knownFrom(r.chats);
		r.chats.push({ id: 'restored', updatedS: 1 });
		const result = await listUserChats({
			fetchPage: (p) => r.fetchPage(p),
			known,
			watermarkS: r.chats[0].updatedS,
			overlapS: 300
		});
		expect(result.seen.get('restored')).toBe(1);
	});

	test('a chat skipped because pages shifted mid-scan is not called gone', async () => {
		const r = remote(100);
		const known = knownFrom(r.chats);
		// Before page 2 is read, another chat is deleted from page 1: everything moves up one place,
		// so the first chat of page 2 slides onto page 1 and this scan never sees it.
		r.beforePage = (page) => {
			if (page === 2 && r.chats.some((c) => c.id === 'c0000')) {
				r.chats = r.chats.filter((c) => c.id !== 'c0000');
			}
		};
		const result = await listUserChats({
			fetchPage: (p) => r.fetchPage(p),
			known,
			watermarkS: null,
			overlapS: 300
		});
		// c0060 was missed by the first pass; the confirming listing finds it. (c0000 was read
		// before it went; the next run notices.)
		expect(result.gone).toEqual([]);
		expect(result.seen.has('c0060')).toBe(true);
		expect(r.reads).toEqual([1, 2, 1, 2]);
	});
});
