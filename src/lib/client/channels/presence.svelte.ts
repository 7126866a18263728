import { SvelteMap } from 'svelte/reactivity';
import type { PresenceStatus } from '#lib/shared/channels.ts';
import type { Transport } from './transport.ts';

/** After this long without input the tab reports itself idle (the user shows as away). */
export const IDLE_AFTER_MS = 5 * 60 * 1000;
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

/** Who is online, away or offline; and this tab's own active/idle state. */
export class PresenceState {
	readonly #statuses = new SvelteMap<string, PresenceStatus>();
	readonly #transport: Transport;
	readonly #unsubscribe: (() => void)[];
	#idle = false;
	#idleTimer: ReturnType<typeof setTimeout> | undefined;
	#lastActivity = 0;

	constructor(transport: Transport) {
		this.#transport = transport;
		this.#unsubscribe = [
			transport.onConnected(() => void this.#load()),
			transport.on('presence:changed', ({ users }) => {
				for (const { userId, status } of users) this.#statuses.set(userId, status);
			})
		];
		if (transport.connected) void this.#load();
		if (typeof window !== 'undefined') {
			for (const event of ACTIVITY_EVENTS) {
				window.addEventListener(event, this.#onActivity, { passive: true });
			}
			this.#armIdleTimer();
		}
	}

	statusOf(userId: string): PresenceStatus {
		return this.#statuses.get(userId) ?? 'offline';
	}

	destroy(): void {
		clearTimeout(this.#idleTimer);
		for (const off of this.#unsubscribe) off();
		if (typeof window !== 'undefined') {
			for (const event of ACTIVITY_EVENTS) window.removeEventListener(event, this.#onActivity);
		}
	}

	async #load(): Promise<void> {
		const result = await this.#transport.emit('presence:list', {});
		if (!result.ok) return;
		this.#statuses.clear();
		for (const { userId, status } of result.data.users) this.#statuses.set(userId, status);
		if (this.#idle) void this.#transport.emit('presence:set', { state: 'idle' });
	}

	#onActivity = () => {
		if (this.#idle) {
			this.#idle = false;
			void this.#transport.emit('presence:set', { state: 'active' });
		}
		// Pointer moves come by the hundred; re-arming once a second is plenty.
		const now = Date.now();
		if (now - this.#lastActivity < 1000) return;
		this.#lastActivity = now;
		this.#armIdleTimer();
	};

	#armIdleTimer(): void {
		clearTimeout(this.#idleTimer);
		this.#idleTimer = setTimeout(() => {
			this.#idle = true;
			void this.#transport.emit('presence:set', { state: 'idle' });
		}, IDLE_AFTER_MS);
	}
}
