import type { Db } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { PublicUser } from '#lib/shared/types.ts';

/** A chat message as stored. */
export type MessageRow = Awaited<ReturnType<Db['chatMessage']['findMany']>>[number];

/** A chat of `user`'s; someone else's is reported exactly like a missing one. */
export async function ownChat(db: Db, user: PublicUser, chatId: string) {
	const chat = await db.chat.findUnique({ where: { id: chatId } });
	if (!chat || chat.userId !== user.id) throw new AppError('not_found', 'No such chat.');
	return chat;
}

/** A message in one of `user`'s chats, with its chat and every message of that chat. */
export async function ownMessage(db: Db, user: PublicUser, messageId: string) {
	const message = await db.chatMessage.findUnique({ where: { id: messageId } });
	if (!message) throw new AppError('not_found', 'No such message.');
	const chat = await ownChat(db, user, message.chatId).catch(() => {
		throw new AppError('not_found', 'No such message.');
	});
	return { chat, message, nodes: await chatNodes(db, chat.id) };
}

/** Every message of a chat (the tree's nodes), oldest first. */
export function chatNodes(db: Db, chatId: string): Promise<MessageRow[]> {
	return db.chatMessage.findMany({
		where: { chatId },
		orderBy: [{ createdAt: 'asc' }, { id: 'asc' }]
	});
}
