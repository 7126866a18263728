import type { MessageDto } from '#lib/shared/channels.ts';
import type { ErrorBody } from '#lib/shared/errors.ts';
import type { Transport } from './transport.ts';

export interface OutboxItem {
	clientId: string;
	channelId: string;
	parentId: string | null;
	body: string;
	/** queued: waiting for a connection or its turn; sending: awaiting the ack; failed: refused. */
	status: 'queued' | 'sending' | 'failed';
	error: ErrorBody | null;
}

/** Errors that mean "try again later" rather than "this message will never be accepted". */
const TRANSIENT: ErrorBody['code'][] = ['internal', 'rate_limited', 'unavailable'];

/**
 * Messages typed by this tab that the server has not acknowledged yet. They go out in order, one
 * after the other's ack, whenever the connection is up; a send cut off by a disconnect is retried
 * with the same client id, which the server turns into the original message, never a duplicate.
 */
export class Outbox {
	readonly items: OutboxItem[] = [];
	readonly #transport: Transport;
	readonly #onChange: () => void;
	readonly #onSent: (message: MessageDto) => void;
	#running = false;
	readonly #unsubscribe: () => void;

	constructor(
		transport: Transport,
		callbacks: { onChange?: () => void; onSent?: (message: MessageDto) => void } = {}
	) {
		this.#transport = transport;
		this.#onChange = callbacks.onChange ?? (() => {});
		this.#onSent = callbacks.onSent ?? (() => {});
		this.#unsubscribe = transport.onConnected(() => void this.flush());
	}

	send(channelId: string, body: string, parentId: string | null = null): OutboxItem {
		const item: OutboxItem = {
			clientId: crypto.randomUUID(),
			channelId,
			parentId,
			body,
			status: 'queued',
			error: null
		};
		this.items.push(item);
		this.#onChange();
		void this.flush();
		return item;
	}

	retry(clientId: string): void {
		const item = this.items.find((i) => i.clientId === clientId);
		if (!item) return;
		item.status = 'queued';
		item.error = null;
		this.#onChange();
		void this.flush();
	}

	discard(clientId: string): void {
		const index = this.items.findIndex((i) => i.clientId === clientId);
		if (index >= 0) this.items.splice(index, 1);
		this.#onChange();
	}

	pendingFor(channelId: string, parentId: string | null = null): OutboxItem[] {
		return this.items.filter((i) => i.channelId === channelId && i.parentId === parentId);
	}

	destroy(): void {
		this.#unsubscribe();
	}

	/** Sends queued items in order until the queue is empty or the connection drops. */
	async flush(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		try {
			let item: OutboxItem | undefined;
			while (this.#transport.connected && (item = this.items.find((i) => i.status === 'queued'))) {
				item.status = 'sending';
				this.#onChange();
				const result = await this.#transport.emit('message:send', {
					channelId: item.channelId,
					clientId: item.clientId,
					body: item.body,
					parentId: item.parentId
				});
				if (result.ok) {
					this.items.splice(this.items.indexOf(item), 1);
					this.#onSent(result.data);
				} else if (TRANSIENT.includes(result.error.code)) {
					// Try again shortly (and on every reconnect); the client id makes that safe.
					item.status = 'queued';
					this.#onChange();
					if (result.error.code === 'rate_limited') {
						await new Promise((r) => setTimeout(r, 1000));
						continue;
					}
					setTimeout(() => void this.flush(), 3000);
					break;
				} else {
					item.status = 'failed';
					item.error = result.error;
				}
				this.#onChange();
			}
		} finally {
			this.#running = false;
		}
	}
}
