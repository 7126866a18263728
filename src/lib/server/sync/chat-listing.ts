import type { ChatListItem } from './remote.ts';

/** Open WebUI's fixed page size for `/api/v1/chats/list/user/{id}` (the answer has no total). */
export const CHAT_PAGE_SIZE = 60;

export interface UserChatListing {
	/** Every chat seen: id → remote `updated_at` (s). */
	seen: Map<string, number>;
	/** Imported chats the instance no longer has, confirmed by a second listing. */
	gone: string[];
	/** Whether every page was read (else the pages past the watermark were verified by count). */
	complete: boolean;
}

export interface ListOptions {
	/** One page (1-based) of the user's chats, newest `updated_at` first. */
	fetchPage: (page: number) => Promise<ChatListItem[]>;
	/** The user's chats as imported (not deleted): id → remote `updated_at` (s). */
	known: Map<string, number>;
	/** Newest `updated_at` imported for this user; null reads every page. */
	watermarkS: number | null;
	/** Read this far below the watermark, since offset pages shift when chats change mid-scan. */
	overlapS: number;
}

/**
 * Lists one user's chats as cheaply as exactness allows. Pages are read newest first down to the
 * watermark (minus the overlap). The older chats were imported already; instead of reading their
 * pages, one probe of the page where the listing should end checks that none of them vanished (or
 * appeared with an old time, e.g. a restore). When the count is off, or an imported chat is
 * missing, the rest is read; a chat is only called gone when a second full listing agrees, so a
 * chat skipped because pages shifted mid-scan is never mistaken for a deleted one.
 */
export async function listUserChats(options: ListOptions): Promise<UserChatListing> {
	const { fetchPage, known, watermarkS, overlapS } = options;
	const seen = new Map<string, number>();
	const add = (items: ChatListItem[]) => {
		for (const item of items) seen.set(item.id, Math.max(item.updatedS, seen.get(item.id) ?? 0));
	};
	const readFrom = async (first: number, into: (items: ChatListItem[]) => void) => {
		for (let page = first; ; page++) {
			const items = await fetchPage(page);
			into(items);
			if (items.length < CHAT_PAGE_SIZE) return;
		}
	};

	let pages = 0;
	let complete = false;
	for (;;) {
		const items = await fetchPage(++pages);
		add(items);
		if (items.length < CHAT_PAGE_SIZE) {
			complete = true;
			break;
		}
		const oldest = Math.min(...items.map((i) => i.updatedS));
		if (watermarkS !== null && oldest < watermarkS - overlapS) break;
	}

	const minSeen = seen.size ? Math.min(...seen.values()) : 0;
	if (!complete) {
		let older = 0;
		for (const [id, s] of known) if (!seen.has(id) && s <= minSeen) older++;
		complete = !(await olderIntact(fetchPage, pages, pages * CHAT_PAGE_SIZE + older, add));
		if (complete) await readFrom(pages + 1, add);
	}

	const candidates = [...known.keys()].filter(
		(id) => !seen.has(id) && (complete || (known.get(id) ?? 0) > minSeen)
	);
	if (!candidates.length) return { seen, gone: [], complete };
	const again = new Map<string, number>();
	await readFrom(1, (items) => {
		for (const item of items) again.set(item.id, item.updatedS);
	});
	for (const [id, s] of again) if (!seen.has(id)) seen.set(id, s);
	return { seen, gone: candidates.filter((id) => !again.has(id)), complete: true };
}

/**
 * Whether the listing holds exactly `expected` chats, given that the first `read` pages were full:
 * reads the one page where it should end (and the one before when that lands on a page boundary).
 */
async function olderIntact(
	fetchPage: (page: number) => Promise<ChatListItem[]>,
	read: number,
	expected: number,
	add: (items: ChatListItem[]) => void
): Promise<boolean> {
	const last = Math.floor(expected / CHAT_PAGE_SIZE) + 1;
	const items = await fetchPage(last);
	add(items);
	if (items.length !== expected % CHAT_PAGE_SIZE) return false;
	if (items.length > 0 || last - 1 <= read) return true;
	const before = await fetchPage(last - 1);
	add(before);
	return before.length === CHAT_PAGE_SIZE;
}
