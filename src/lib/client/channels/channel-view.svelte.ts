import { SvelteMap } from 'svelte/reactivity';
import type { MemberDto, MessageDto, UserRef } from '#lib/shared/channels.ts';
import type { ErrorBody } from '#lib/shared/errors.ts';
import { ChannelSync } from './channel-sync.ts';
import type { OutboxItem } from './outbox.ts';
import type { ChannelMeta } from './timeline.ts';
import type { Transport } from './transport.ts';

const TYPING_EVERY_MS = 2500;
const CATCH_UP_EVENTS = ['online', 'pageshow'] as const;

/**
 * One open channel for the UI: its messages kept equal to the server's by ChannelSync, who is
 * typing, and the actions a member can take. Catches up on reconnect, when the tab becomes
 * visible again, on pageshow (back/forward cache) and when the network returns.
 */
export class ChannelView {
	readonly channelId: string;
	readonly #sync: ChannelSync;
	readonly #transport: Transport;
	#tick = $state(0);
	readonly #typing = new SvelteMap<string, { user: UserRef; until: number }>();
	#typingTimer: ReturnType<typeof setInterval> | undefined;
	#lastTypingSent = 0;
	readonly #unsubscribe: (() => void)[] = [];

	constructor(channelId: string, transport: Transport) {
		this.channelId = channelId;
		this.#transport = transport;
		this.#sync = new ChannelSync(channelId, transport, () => this.#tick++);
	}

	get loaded(): boolean {
		void this.#tick;
		return this.#sync.loaded;
	}
	get error(): ErrorBody | null {
		void this.#tick;
		return this.#sync.error;
	}
	get messages(): MessageDto[] {
		void this.#tick;
		return this.#sync.timeline.topLevel();
	}
	get hasMoreBefore(): boolean {
		void this.#tick;
		return this.#sync.timeline.hasMoreBefore;
	}
	get members(): MemberDto[] {
		void this.#tick;
		return this.#sync.timeline.activeMembers();
	}
	get meta(): ChannelMeta | undefined {
		void this.#tick;
		return this.#sync.timeline.meta;
	}
	/** People typing right now, except you. */
	get typing(): UserRef[] {
		return [...this.#typing.values()].map((t) => t.user);
	}

	replies(parentId: string): MessageDto[] {
		void this.#tick;
		return this.#sync.timeline.replies(parentId);
	}

	/**
	 * The outbox items the timeline does not hold yet. The server's broadcast of a message can
	 * arrive before the ack that clears its item, and the message must not show twice meanwhile.
	 */
	unsent(items: OutboxItem[]): OutboxItem[] {
		void this.#tick;
		if (!items.length) return items;
		const received = [...this.#sync.timeline.messages.values()].map((m) => m.clientId);
		return items.filter((item) => !received.includes(item.clientId));
	}

	message(id: string): MessageDto | undefined {
		void this.#tick;
		return this.#sync.timeline.messages.get(id);
	}

	async open(): Promise<void> {
		this.#unsubscribe.push(
			this.#transport.on('channel:typing', ({ channelId, user, expiresInMs }) => {
				if (channelId === this.channelId) {
					this.#typing.set(user.id, { user, until: Date.now() + expiresInMs });
				}
			}),
			this.#transport.on('channel:change', ({ channelId, messages }) => {
				if (channelId !== this.channelId) return;
				for (const m of messages) this.#typing.delete(m.author.id);
			})
		);
		this.#typingTimer = setInterval(() => this.#expireTyping(), 1000);
		if (typeof window !== 'undefined') {
			for (const event of CATCH_UP_EVENTS) window.addEventListener(event, this.#catchUp);
			document.addEventListener('visibilitychange', this.#onVisibility);
		}
		await this.#sync.open();
		await this.loadMembers();
	}

	async loadMembers(): Promise<void> {
		const result = await this.#transport.emit('channel:members', { channelId: this.channelId });
		if (result.ok) {
			this.#sync.timeline.setMembers(result.data.members);
			this.#tick++;
		}
	}

	loadOlder(): Promise<void> {
		return this.#sync.loadOlder();
	}

	/** Loads a thread's replies (they also arrive live once loaded). */
	async loadThread(messageId: string): Promise<void> {
		const result = await this.#transport.emit('thread:history', { messageId });
		if (!result.ok) return;
		this.#sync.timeline.upsert(result.data.parent);
		for (const reply of result.data.replies) this.#sync.timeline.upsert(reply);
		this.#tick++;
	}

	/** Applies a message the server acknowledged, before its live event arrives. */
	accept(message: MessageDto): void {
		if (message.channelId !== this.channelId) return;
		this.#sync.timeline.upsert(message);
		this.#tick++;
	}

	async edit(messageId: string, body: string): Promise<ErrorBody | null> {
		return this.#act(this.#transport.emit('message:edit', { messageId, body }));
	}

	async remove(messageId: string): Promise<ErrorBody | null> {
		return this.#act(this.#transport.emit('message:delete', { messageId }));
	}

	async react(messageId: string, emoji: string): Promise<ErrorBody | null> {
		return this.#act(this.#transport.emit('message:react', { messageId, emoji }));
	}

	/** Moves the read cursor to the newest loaded message. */
	async markRead(): Promise<void> {
		const last = this.messages.at(-1);
		if (last) {
			await this.#transport.emit('channel:read', { channelId: this.channelId, seq: last.seq });
		}
	}

	/** Tells others you are typing (at most every few seconds). */
	notifyTyping(): void {
		const now = Date.now();
		if (now - this.#lastTypingSent < TYPING_EVERY_MS) return;
		this.#lastTypingSent = now;
		void this.#transport.emit('channel:typing', { channelId: this.channelId });
	}

	destroy(): void {
		this.#sync.close();
		clearInterval(this.#typingTimer);
		for (const off of this.#unsubscribe.splice(0)) off();
		if (typeof window !== 'undefined') {
			for (const event of CATCH_UP_EVENTS) window.removeEventListener(event, this.#catchUp);
			document.removeEventListener('visibilitychange', this.#onVisibility);
		}
	}

	async #act(request: Promise<{ ok: true; data: MessageDto } | { ok: false; error: ErrorBody }>) {
		const result = await request;
		if (!result.ok) return result.error;
		this.accept(result.data);
		return null;
	}

	#expireTyping(): void {
		const now = Date.now();
		for (const [id, { until }] of this.#typing) if (until <= now) this.#typing.delete(id);
	}

	#catchUp = () => void this.#sync.catchUp();

	#onVisibility = () => {
		if (document.visibilityState === 'visible') void this.#sync.catchUp();
	};
}
