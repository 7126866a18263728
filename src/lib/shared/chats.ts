/** AI chat data as it crosses the wire. Dates are ISO strings. */

export type ChatRole = 'user' | 'assistant';
export type AnswerStatus = 'done' | 'streaming' | 'stopped' | 'error' | 'interrupted';

export interface ChatMessageDto {
	id: string;
	chatId: string;
	parentId: string | null;
	role: ChatRole;
	content: string;
	/** The model's "thinking", when the provider sends it. */
	reasoning: string;
	status: AnswerStatus;
	error: string | null;
	modelName: string;
	promptTokens: number | null;
	completionTokens: number | null;
	tokensEstimated: boolean;
	/** Time to first token, in milliseconds. */
	ttftMs: number | null;
	durationMs: number | null;
	createdAt: string;
}

export interface ChatSummary {
	id: string;
	title: string;
	pinned: boolean;
	modelId: string | null;
	systemPrompt: string;
	currentLeafId: string | null;
	createdAt: string;
	updatedAt: string;
}

/** Everything a tab needs to show a chat: every branch, with streaming answers as they are right now. */
export interface ChatSnapshot {
	chat: ChatSummary;
	messages: ChatMessageDto[];
}

/** A piece of a streaming answer. `offset` is where `text` starts, so applying it twice is harmless. */
export interface ChatDelta {
	chatId: string;
	messageId: string;
	field: 'content' | 'reasoning';
	offset: number;
	text: string;
}

export interface ModelOption {
	id: string;
	displayName: string;
	providerName: string;
	isDefault: boolean;
}

export const PROMPT_MAX_LENGTH_DEFAULT = 32_000;

/** A provider as the admin pages show it (src/lib/server/chats/provider.service.ts builds it). */
export interface ProviderView {
	id: string;
	name: string;
	baseUrl: string;
	/** Whether a key is stored; the key itself never leaves the server. */
	hasApiKey: boolean;
	enabled: boolean;
	models: ModelView[];
}

export interface ModelView {
	id: string;
	remoteId: string;
	displayName: string;
	enabled: boolean;
	isDefault: boolean;
	inputPricePerMTok: number;
	outputPricePerMTok: number;
}
