import type { ChatSummary } from '#lib/shared/chats.ts';

/** Sidebar order: pinned chats first, then newest activity first (as the server lists them). */
export function sortChats(chats: ChatSummary[]): ChatSummary[] {
	return [...chats].sort((a, b) => {
		if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
		if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt ? -1 : 1;
		return a.id < b.id ? 1 : -1;
	});
}

/** Puts a summary into the list, replacing the older copy. */
export function upsertChat(chats: ChatSummary[], summary: ChatSummary): ChatSummary[] {
	return sortChats([...chats.filter((c) => c.id !== summary.id), summary]);
}

/** Moves a chat up for activity at `at` (a message was added); never moves it back in time. */
export function touchChat(chats: ChatSummary[], chatId: string, at: string): ChatSummary[] {
	const chat = chats.find((c) => c.id === chatId);
	if (!chat || chat.updatedAt >= at) return chats;
	return upsertChat(chats, { ...chat, updatedAt: at });
}
