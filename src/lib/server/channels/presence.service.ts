import type { RealtimeBus } from '../realtime/bus.ts';
import type { PresenceStatus } from '#lib/shared/channels.ts';

const FLUSH_MS = 1000;

/**
 * Who is online, away or offline, across all of a user's tabs and devices. Volatile: kept in memory,
 * never persisted or replayed. A user is online while any socket is active, away when every socket
 * reports idle, offline with no socket. Changes go out batched, at most once a second.
 */
export class PresenceService {
	readonly #bus: RealtimeBus;
	readonly #sockets = new Map<string, Map<string, 'active' | 'idle'>>();
	readonly #pending = new Map<string, PresenceStatus>();
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(bus: RealtimeBus) {
		this.#bus = bus;
	}

	connect(userId: string, socketId: string): void {
		this.#update(userId, (sockets) => sockets.set(socketId, 'active'));
	}

	disconnect(userId: string, socketId: string): void {
		this.#update(userId, (sockets) => sockets.delete(socketId));
	}

	setState(userId: string, socketId: string, state: 'active' | 'idle'): void {
		this.#update(userId, (sockets) => {
			if (sockets.has(socketId)) sockets.set(socketId, state);
		});
	}

	statusOf(userId: string): PresenceStatus {
		const sockets = this.#sockets.get(userId);
		if (!sockets || sockets.size === 0) return 'offline';
		for (const state of sockets.values()) if (state === 'active') return 'online';
		return 'away';
	}

	/** Everyone who is not offline. */
	snapshot(): { userId: string; status: PresenceStatus }[] {
		return [...this.#sockets.keys()].map((userId) => ({ userId, status: this.statusOf(userId) }));
	}

	stop(): void {
		clearTimeout(this.#timer);
	}

	#update(userId: string, change: (sockets: Map<string, 'active' | 'idle'>) => void): void {
		const before = this.statusOf(userId);
		const sockets = this.#sockets.get(userId) ?? new Map<string, 'active' | 'idle'>();
		change(sockets);
		if (sockets.size) this.#sockets.set(userId, sockets);
		else this.#sockets.delete(userId);
		const after = this.statusOf(userId);
		if (after === before) return;
		this.#pending.set(userId, after);
		this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
	}

	#flush(): void {
		this.#timer = undefined;
		const users = [...this.#pending].map(([userId, status]) => ({ userId, status }));
		this.#pending.clear();
		if (users.length) this.#bus.broadcast('presence:changed', { users });
	}
}
