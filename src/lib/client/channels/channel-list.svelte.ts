import type { ChannelChanges, ChannelSummary } from '#lib/shared/channels.ts';
import type { Transport } from './transport.ts';

/**
 * The tab's list of channels and direct messages with unread counts. Counts move live as messages
 * arrive and reset when the read cursor moves on any device; the whole list reloads after every
 * reconnect, so nothing missed while offline lingers.
 */
export class ChannelList {
	#channels = $state.raw<ChannelSummary[]>([]);
	#loaded = $state(false);
	/** The channel shown in this tab right now: its new messages are read as they arrive. */
	activeChannelId = $state<string | null>(null);
	readonly #transport: Transport;
	readonly #myId: () => string;
	readonly #unsubscribe: (() => void)[];
	/** Live events since the list being fetched was asked for. */
	#sinceFetch: (() => void)[] | undefined;

	constructor(transport: Transport, myId: () => string) {
		this.#transport = transport;
		this.#myId = myId;
		this.#unsubscribe = [
			transport.onConnected(() => void this.refresh()),
			transport.on('channel:change', (changes) => this.#live(() => this.#onChange(changes))),
			transport.on('channel:joined', () => void this.refresh()),
			transport.on('channel:removed', ({ channelId }) =>
				this.#live(() => {
					this.#channels = this.#channels.filter((c) => c.id !== channelId);
				})
			),
			transport.on('channel:read', ({ channelId, lastReadSeq }) =>
				this.#live(() => this.#onRead(channelId, lastReadSeq))
			)
		];
		if (transport.connected) void this.refresh();
	}

	get channels(): ChannelSummary[] {
		return this.#channels;
	}

	get loaded(): boolean {
		return this.#loaded;
	}

	get totalUnread(): number {
		return this.#channels.reduce((sum, c) => sum + c.unreadCount, 0);
	}

	find(channelId: string): ChannelSummary | undefined {
		return this.#channels.find((c) => c.id === channelId);
	}

	async refresh(): Promise<void> {
		const replay: (() => void)[] = [];
		this.#sinceFetch = replay;
		const result = await this.#transport.emit('channels:list', {});
		if (this.#sinceFetch === replay) this.#sinceFetch = undefined;
		if (!result.ok) return;
		this.#channels = result.data.channels;
		this.#loaded = true;
		// The list may have been read before these events' changes committed; they apply once.
		for (const apply of replay) apply();
	}

	/** Applies a live event now, and again onto a list being fetched (every handler is idempotent). */
	#live(apply: () => void): void {
		apply();
		this.#sinceFetch?.push(apply);
	}

	/** Puts a channel (just created, opened or joined) into the list at once. */
	upsert(summary: ChannelSummary): void {
		const others = this.#channels.filter((c) => c.id !== summary.id);
		this.#channels = [summary, ...others];
	}

	destroy(): void {
		for (const off of this.#unsubscribe) off();
	}

	#onChange(changes: ChannelChanges): void {
		const channel = this.find(changes.channelId);
		if (!channel) return;
		let { lastMessageSeq, lastMessageAt, unreadCount } = channel;
		for (const message of changes.messages) {
			if (message.parentId !== null || message.seq <= lastMessageSeq) continue;
			lastMessageSeq = message.seq;
			lastMessageAt = message.createdAt;
			const mine = message.author.id === this.#myId();
			if (!mine && !message.deletedAt && changes.channelId !== this.activeChannelId) {
				unreadCount += 1;
			}
		}
		const meta = changes.channel;
		this.#replace({
			...channel,
			lastMessageSeq,
			lastMessageAt,
			unreadCount,
			...(meta && {
				name: meta.name || channel.name,
				description: meta.description,
				archived: meta.archived
			})
		});
	}

	#onRead(channelId: string, lastReadSeq: number): void {
		const channel = this.find(channelId);
		if (!channel) return;
		if (lastReadSeq >= channel.lastMessageSeq) {
			this.#replace({ ...channel, lastReadSeq, unreadCount: 0 });
		} else void this.refresh();
	}

	#replace(next: ChannelSummary): void {
		this.#channels = this.#channels.map((c) => (c.id === next.id ? next : c));
	}
}
