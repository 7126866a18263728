import type { AnswerStatus, ChatMessageDto, ChatRole, ChatSummary } from '#lib/shared/chats.ts';

export interface ChatMessageRow {
	id: string;
	chatId: string;
	parentId: string | null;
	role: string;
	content: string;
	reasoning: string;
	status: string;
	error: string | null;
	modelName: string;
	promptTokens: number | null;
	completionTokens: number | null;
	tokensEstimated: boolean;
	ttftMs: number | null;
	durationMs: number | null;
	createdAt: Date;
}

export function toChatMessageDto(row: ChatMessageRow): ChatMessageDto {
	return {
		id: row.id,
		chatId: row.chatId,
		parentId: row.parentId,
		role: row.role as ChatRole,
		content: row.content,
		reasoning: row.reasoning,
		status: row.status as AnswerStatus,
		error: row.error,
		modelName: row.modelName,
		promptTokens: row.promptTokens,
		completionTokens: row.completionTokens,
		tokensEstimated: row.tokensEstimated,
		ttftMs: row.ttftMs,
		durationMs: row.durationMs,
		createdAt: row.createdAt.toISOString()
	};
}

export function toChatSummary(row: {
	id: string;
	title: string;
	pinned: boolean;
	modelId: string | null;
	systemPrompt: string;
	currentLeafId: string | null;
	createdAt: Date;
	updatedAt: Date;
}): ChatSummary {
	return {
		id: row.id,
		title: row.title,
		pinned: row.pinned,
		modelId: row.modelId,
		systemPrompt: row.systemPrompt,
		currentLeafId: row.currentLeafId,
		createdAt: row.createdAt.toISOString(),
		updatedAt: row.updatedAt.toISOString()
	};
}

/** A rough token count (about four characters a token) for providers that report no usage. */
export function estimateTokens(text: string): number {
	return Math.ceil(text.length / 4);
}
