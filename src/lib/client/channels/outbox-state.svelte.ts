import type { MessageDto } from '#lib/shared/channels.ts';
import { Outbox, type OutboxItem } from './outbox.ts';
import type { Transport } from './transport.ts';

/** The tab's Outbox, made reactive for the UI ("sending…", "failed — retry"). */
export class OutboxState {
	readonly #outbox: Outbox;
	#tick = $state(0);
	// A registry of callbacks, not UI state.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	readonly #sentListeners = new Set<(message: MessageDto) => void>();

	constructor(transport: Transport) {
		this.#outbox = new Outbox(transport, {
			onChange: () => this.#tick++,
			onSent: (message) => {
				for (const listener of this.#sentListeners) listener(message);
			}
		});
	}

	pendingFor(channelId: string, parentId: string | null = null): OutboxItem[] {
		void this.#tick;
		return this.#outbox.pendingFor(channelId, parentId).map((item) => ({ ...item }));
	}

	send(channelId: string, body: string, parentId: string | null = null): void {
		this.#outbox.send(channelId, body, parentId);
	}

	retry(clientId: string): void {
		this.#outbox.retry(clientId);
	}

	discard(clientId: string): void {
		this.#outbox.discard(clientId);
	}

	/** Calls `listener` with each message the server accepted; returns the unsubscribe. */
	onSent(listener: (message: MessageDto) => void): () => void {
		this.#sentListeners.add(listener);
		return () => this.#sentListeners.delete(listener);
	}

	destroy(): void {
		this.#outbox.destroy();
	}
}
