import type { ChatSummary, ModelOption } from '#lib/shared/chats.ts';
import type { ErrorBody } from '#lib/shared/errors.ts';
import type { Transport } from '../channels/transport.ts';
import { sortChats, touchChat, upsertChat } from './order.ts';

type Result<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/**
 * The tab's AI chats for the sidebar (pinned first, then newest activity) and the models the user
 * may pick. Live through chat:updated, chat:deleted and chat:message from every tab; reloaded after
 * every reconnect, so nothing missed while offline lingers.
 */
export class ChatList {
	#chats = $state.raw<ChatSummary[]>([]);
	#loaded = $state(false);
	#models = $state.raw<ModelOption[]>([]);
	#defaultModelId = $state<string | null>(null);
	#modelsLoaded = $state(false);
	readonly #transport: Transport;
	readonly #unsubscribe: (() => void)[];

	constructor(transport: Transport) {
		this.#transport = transport;
		this.#unsubscribe = [
			transport.onConnected(() => void this.refresh()),
			transport.on('chat:updated', (summary) => {
				this.#chats = upsertChat(this.#chats, summary);
			}),
			transport.on('chat:deleted', ({ chatId }) => {
				this.#chats = this.#chats.filter((c) => c.id !== chatId);
			}),
			transport.on('chat:message', (message) => {
				if (!this.find(message.chatId)) {
					void this.refresh();
					return;
				}
				this.#chats = touchChat(this.#chats, message.chatId, message.createdAt);
			})
		];
		if (transport.connected) void this.refresh();
	}

	get chats(): ChatSummary[] {
		return this.#chats;
	}
	get loaded(): boolean {
		return this.#loaded;
	}
	/** Models users may pick, the default first. */
	get models(): ModelOption[] {
		return this.#models;
	}
	get defaultModelId(): string | null {
		return this.#defaultModelId;
	}
	get modelsLoaded(): boolean {
		return this.#modelsLoaded;
	}

	find(chatId: string): ChatSummary | undefined {
		return this.#chats.find((c) => c.id === chatId);
	}

	async refresh(): Promise<void> {
		const [chats, models] = await Promise.all([
			this.#transport.emit('chats:list', {}),
			this.#transport.emit('models:list', {})
		]);
		if (chats.ok) {
			this.#chats = sortChats(chats.data.chats);
			this.#loaded = true;
		}
		if (models.ok) {
			this.#models = models.data.models;
			this.#defaultModelId = models.data.defaultModelId;
			this.#modelsLoaded = true;
		}
	}

	/** Starts an empty chat with the default model. */
	create(): Promise<Result<ChatSummary>> {
		return this.#apply(this.#transport.emit('chat:create', { modelId: this.#defaultModelId }));
	}

	rename(chatId: string, title: string): Promise<Result<ChatSummary>> {
		return this.#apply(this.#transport.emit('chat:update', { chatId, title }));
	}

	setPinned(chatId: string, pinned: boolean): Promise<Result<ChatSummary>> {
		return this.#apply(this.#transport.emit('chat:update', { chatId, pinned }));
	}

	async remove(chatId: string): Promise<ErrorBody | null> {
		const result = await this.#transport.emit('chat:delete', { chatId });
		if (!result.ok) return result.error;
		this.#chats = this.#chats.filter((c) => c.id !== chatId);
		return null;
	}

	destroy(): void {
		for (const off of this.#unsubscribe) off();
	}

	async #apply(request: Promise<Result<ChatSummary>>): Promise<Result<ChatSummary>> {
		const result = await request;
		if (result.ok) this.#chats = upsertChat(this.#chats, result.data);
		return result;
	}
}
