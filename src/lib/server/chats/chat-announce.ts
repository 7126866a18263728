import type { Db } from '../db/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import type { ChatMessageDto, ChatSummary } from '#lib/shared/chats.ts';
import { rooms } from '#lib/shared/events.ts';
import { toChatMessageDto, toChatSummary, type ChatMessageRow } from './dto.ts';

/** Tells every tab of the chat's owner how the chat looks now (`chat:updated`). */
export async function announceChat(db: Db, bus: RealtimeBus, chatId: string): Promise<ChatSummary> {
	const chat = await db.chat.findUniqueOrThrow({ where: { id: chatId } });
	const summary = toChatSummary(chat);
	bus.emit(rooms.user(chat.userId), 'chat:updated', summary);
	return summary;
}

/** Tells every tab of `userId` about a new or changed message (`chat:message`). */
export function announceMessage(
	bus: RealtimeBus,
	userId: string,
	row: ChatMessageRow
): ChatMessageDto {
	const dto = toChatMessageDto(row);
	bus.emit(rooms.user(userId), 'chat:message', dto);
	return dto;
}
