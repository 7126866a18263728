import type { ChatDelta, ChatMessageDto, ChatSummary } from '#lib/shared/chats.ts';
import type { ErrorBody } from '#lib/shared/errors.ts';
import type { Transport } from '../channels/transport.ts';
import type { AnswerTiming } from './answer-info.ts';
import {
	applyDelta,
	childIndex,
	mergeSnapshot,
	newestLeafUnder,
	pathTo,
	upsertMessage,
	versionsOf,
	type Versions
} from './tree.ts';

const RESYNC_EVENTS = ['online', 'pageshow'] as const;

type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** A random id that makes sending idempotent: retrying with the same id never sends twice. */
export function newClientId(): string {
	return crypto.randomUUID();
}

/**
 * One open AI chat: every branch of its tree as the server has it, the path the user sees (from the
 * root to `chat.currentLeafId`), and the actions on it. Streaming answers grow from chat:delta
 * events applied at their offset (repeats are skipped; a gap reloads the chat). The whole chat is
 * reloaded on every reconnect, when the tab becomes visible, on pageshow and when the network
 * returns, so a tab that slept or lost its connection shows answers as they are now.
 */
export class ChatSession {
	readonly chatId: string;
	readonly #transport: Transport;
	#chat = $state.raw<ChatSummary | null>(null);
	#messages = $state.raw<ChatMessageDto[]>([]);
	#error = $state.raw<ErrorBody | null>(null);
	#deleted = $state(false);
	readonly #index = $derived(childIndex(this.#messages));
	readonly #path = $derived(pathTo(this.#messages, this.#chat?.currentLeafId ?? null));
	// Plain bookkeeping, not shown directly.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #timings = new Map<string, AnswerTiming>();
	#syncing: Promise<void> | null = null;
	#syncAgain = false;
	#unsubscribe: (() => void)[] = [];

	constructor(chatId: string, transport: Transport) {
		this.chatId = chatId;
		this.#transport = transport;
	}

	get chat(): ChatSummary | null {
		return this.#chat;
	}
	get loaded(): boolean {
		return this.#chat !== null;
	}
	/** Why the chat could not be opened (e.g. not_found). */
	get error(): ErrorBody | null {
		return this.#error;
	}
	get deleted(): boolean {
		return this.#deleted;
	}
	/** Every message of every branch, oldest first. */
	get messages(): ChatMessageDto[] {
		return this.#messages;
	}
	/** The conversation as shown: root to current leaf. */
	get path(): ChatMessageDto[] {
		return this.#path;
	}
	/** The answer on the shown path that is streaming now, if any. */
	get streaming(): ChatMessageDto | undefined {
		return this.#path.findLast((m) => m.status === 'streaming');
	}

	versions(message: ChatMessageDto): Versions {
		return versionsOf(this.#index, message);
	}

	timing(messageId: string): AnswerTiming | undefined {
		return this.#timings.get(messageId);
	}

	/** Subscribes to live events and loads the chat. */
	async open(): Promise<void> {
		const t = this.#transport;
		this.#unsubscribe = [
			t.onConnected(() => void this.sync()),
			t.on('chat:delta', (delta) => this.#onDelta(delta)),
			t.on('chat:message', (message) => this.#accept(message)),
			t.on('chat:updated', (summary) => this.#setChat(summary)),
			t.on('chat:deleted', ({ chatId }) => {
				if (chatId === this.chatId) this.#deleted = true;
			})
		];
		if (typeof window !== 'undefined') {
			for (const event of RESYNC_EVENTS) window.addEventListener(event, this.#resync);
			document.addEventListener('visibilitychange', this.#onVisibility);
		}
		if (t.connected) await this.sync();
	}

	/** Reloads the chat (chat:open); calls while one is running fold into one more afterwards. */
	sync(): Promise<void> {
		if (this.#syncing) {
			this.#syncAgain = true;
			return this.#syncing;
		}
		this.#syncing = (async () => {
			do {
				this.#syncAgain = false;
				const result = await this.#transport.emit('chat:open', { chatId: this.chatId });
				if (result.ok) {
					this.#error = null;
					this.#messages = mergeSnapshot(this.#messages, result.data.messages);
					this.#chat = result.data.chat;
				} else if (!this.#chat || result.error.code === 'not_found') {
					this.#error = result.error;
				}
			} while (this.#syncAgain);
		})().finally(() => {
			this.#syncing = null;
		});
		return this.#syncing;
	}

	/** Sends a message after the current leaf. Reuse `clientId` to retry the same message. */
	async send(content: string, clientId: string): Promise<ErrorBody | null> {
		const parentId = this.#path.at(-1)?.id ?? null;
		const result = await this.#transport.emit('chat:send', {
			chatId: this.chatId,
			content,
			parentId,
			clientId
		});
		return this.#took(result, (data) => [data.user, data.assistant]);
	}

	/** Edits a sent message: a new version of it, answered anew, on its own branch. */
	async edit(messageId: string, content: string): Promise<ErrorBody | null> {
		const result = await this.#transport.emit('chat:edit', {
			messageId,
			content,
			clientId: newClientId()
		});
		return this.#took(result, (data) => [data.user, data.assistant]);
	}

	/** Another answer to the same question, shown as its next version. */
	async regenerate(messageId: string): Promise<ErrorBody | null> {
		return this.#took(await this.#transport.emit('chat:regenerate', { messageId }), (m) => [m]);
	}

	/** Resumes a stopped or interrupted answer where it ended. */
	async continue(messageId: string): Promise<ErrorBody | null> {
		const result = await this.#transport.emit('chat:continue', { messageId });
		if (!result.ok) return result.error;
		this.#accept(result.data);
		return null;
	}

	async stop(messageId: string): Promise<ErrorBody | null> {
		const result = await this.#transport.emit('chat:stop', { messageId });
		if (!result.ok) {
			// It may have ended meanwhile; show what the server has.
			void this.sync();
			return result.error.code === 'not_streaming' ? null : result.error;
		}
		this.#accept(result.data);
		return null;
	}

	/** Shows another version: the newest path through `messageId` (at once, then confirmed). */
	async switchTo(messageId: string): Promise<ErrorBody | null> {
		if (this.#chat) {
			this.#chat = { ...this.#chat, currentLeafId: newestLeafUnder(this.#index, messageId) };
		}
		const result = await this.#transport.emit('chat:switch', { chatId: this.chatId, messageId });
		if (!result.ok) {
			void this.sync();
			return result.error;
		}
		this.#setChat(result.data);
		return null;
	}

	async update(patch: {
		title?: string;
		systemPrompt?: string;
		modelId?: string | null;
	}): Promise<ErrorBody | null> {
		const result = await this.#transport.emit('chat:update', { chatId: this.chatId, ...patch });
		if (!result.ok) return result.error;
		this.#setChat(result.data);
		return null;
	}

	destroy(): void {
		for (const off of this.#unsubscribe.splice(0)) off();
		if (typeof window !== 'undefined') {
			for (const event of RESYNC_EVENTS) window.removeEventListener(event, this.#resync);
			document.removeEventListener('visibilitychange', this.#onVisibility);
		}
	}

	/** Applies acknowledged new messages; the last becomes the current leaf, as on the server. */
	#took<T>(result: Ack<T>, rows: (data: T) => ChatMessageDto[]): ErrorBody | null {
		if (!result.ok) return result.error;
		for (const message of rows(result.data)) this.#accept(message);
		const last = rows(result.data).at(-1);
		if (last && this.#chat) this.#chat = { ...this.#chat, currentLeafId: last.id };
		return null;
	}

	#accept(message: ChatMessageDto): void {
		if (message.chatId !== this.chatId) return;
		const { messages, isNew } = upsertMessage(this.#messages, message);
		this.#messages = messages;
		if (isNew && message.status === 'streaming' && !this.#timings.has(message.id)) {
			this.#timings.set(message.id, { startedAt: performance.now() });
		}
		// The server makes every new message (sent, edited, regenerated) the current leaf.
		if (isNew && this.#chat) this.#chat = { ...this.#chat, currentLeafId: message.id };
	}

	#setChat(summary: ChatSummary): void {
		if (summary.id !== this.chatId) return;
		this.#chat = summary;
		const leaf = summary.currentLeafId;
		if (leaf && !this.#messages.some((m) => m.id === leaf)) void this.sync();
	}

	#onDelta(delta: ChatDelta): void {
		if (delta.chatId !== this.chatId || !this.#chat) return;
		const at = this.#messages.findIndex((m) => m.id === delta.messageId);
		if (at === -1) {
			void this.sync();
			return;
		}
		const outcome = applyDelta(this.#messages[at], delta);
		if (outcome.kind === 'gap') void this.sync();
		if (outcome.kind !== 'applied') return;
		const timing = this.#timings.get(delta.messageId);
		if (timing && delta.field === 'content' && timing.contentAt === undefined) {
			timing.contentAt = performance.now();
		}
		const next = [...this.#messages];
		next[at] = outcome.message;
		this.#messages = next;
	}

	// While disconnected, the reconnect itself reloads the chat.
	#resync = () => {
		if (this.#transport.connected) void this.sync();
	};

	#onVisibility = () => {
		if (document.visibilityState === 'visible') this.#resync();
	};
}
