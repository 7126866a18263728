import type { Sql } from '../db/adapter-sql.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { rooms } from '#lib/shared/events.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { loadAccess, requireMember, requireWritable } from './access.ts';

/** Clients show a typing indicator for this long unless it is repeated. */
export const TYPING_TTL_MS = 6000;
const THROTTLE_MS = 2000;

/**
 * "Ana is typing…": volatile, never stored. Throttled per user and channel so a fast typist costs at
 * most one broadcast every two seconds; the indicator expires on clients by itself.
 */
export class TypingService {
	readonly #sql: Sql;
	readonly #bus: RealtimeBus;
	readonly #lastSent = new Map<string, number>();

	constructor(sql: Sql, bus: RealtimeBus) {
		this.#sql = sql;
		this.#bus = bus;
	}

	/** Announces that `user` is typing in a channel, except to the socket that said so. */
	async typing(user: PublicUser, channelId: string, exceptSocketId?: string): Promise<void> {
		// Checked every time, so someone removed a moment ago is refused, not silently throttled.
		const access = await loadAccess(this.#sql, channelId, user);
		requireMember(access);
		requireWritable(access);
		const key = `${user.id}:${channelId}`;
		const now = Date.now();
		if (now - (this.#lastSent.get(key) ?? 0) < THROTTLE_MS) return;
		this.#lastSent.set(key, now);
		if (this.#lastSent.size > 10_000) this.#forgetOld(now);
		this.#bus.emitVolatile(
			rooms.channel(channelId),
			'channel:typing',
			{
				channelId,
				user: { id: user.id, displayName: user.displayName, avatarColor: user.avatarColor },
				expiresInMs: TYPING_TTL_MS
			},
			exceptSocketId
		);
	}

	#forgetOld(now: number): void {
		for (const [key, at] of this.#lastSent) if (now - at > THROTTLE_MS) this.#lastSent.delete(key);
	}
}
