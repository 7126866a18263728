import type { SqlDb } from '../db/adapter-sql.ts';
import type { Db } from '../db/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { rooms, type SessionEndReason } from '#lib/shared/events.ts';
import { generateSecret, hashSecret } from './tokens.ts';
import { toPublicUser } from './user-row.ts';
import { InFlight } from './in-flight.ts';
import {
	deleteSession,
	renewSession,
	sessionWithUser,
	type SessionUserRow
} from './credential-sql.ts';
import type { PublicUser } from '#lib/shared/types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SessionInfo {
	id: string;
	userId: string;
	expiresAt: Date;
}

export interface ValidatedSession {
	session: SessionInfo;
	user: PublicUser;
}

/**
 * Browser sessions, after Lucia's session model: the cookie holds a random token, the database holds
 * only its SHA-256 as the session id. Sessions slide: one used in the second half of its life is
 * extended to a full term again.
 */
export class SessionService {
	readonly #db: Db;
	readonly #sql: SqlDb;
	readonly #bus: RealtimeBus;
	readonly #lifetimeMs: number;
	readonly #renewing = new InFlight();

	constructor(deps: { db: Db; sql: SqlDb; bus: RealtimeBus }, lifetimeDays: number) {
		this.#db = deps.db;
		this.#sql = deps.sql;
		this.#bus = deps.bus;
		this.#lifetimeMs = lifetimeDays * DAY_MS;
	}

	async create(userId: string): Promise<{ token: string; session: SessionInfo }> {
		const token = generateSecret();
		const session = await this.#db.session.create({
			data: { id: hashSecret(token), userId, expiresAt: new Date(Date.now() + this.#lifetimeMs) },
			select: { id: true, userId: true, expiresAt: true }
		});
		return { token, session };
	}

	/**
	 * The session and user for a cookie token, or null when the token is unknown, expired or its
	 * user is deactivated. Runs on every request and socket handshake: one statement, and a write
	 * only when the session is renewed.
	 */
	async validate(token: string): Promise<ValidatedSession | null> {
		if (!/^[a-z2-7]{52}$/.test(token)) return null;
		const id = hashSecret(token);
		const row = await this.#sql.get<SessionUserRow>(sessionWithUser(id));
		if (!row) return null;
		const now = Date.now();
		if (row.expiresAt.getTime() <= now || row.status === 'deactivated') {
			await this.#sql.run(deleteSession(id));
			return null;
		}
		let expiresAt = row.expiresAt;
		if (expiresAt.getTime() - now < this.#lifetimeMs / 2) {
			expiresAt = new Date(now + this.#lifetimeMs);
			const renewBefore = new Date(now + this.#lifetimeMs / 2);
			await this.#renewing.join(id, () => this.#sql.run(renewSession(id, expiresAt, renewBefore)));
		}
		return { session: { id, userId: row.id, expiresAt }, user: toPublicUser(row) };
	}

	/** Ends one session and disconnects its sockets. */
	async invalidate(sessionId: string, reason: SessionEndReason = 'logged_out'): Promise<void> {
		await this.#db.session.deleteMany({ where: { id: sessionId } });
		this.#bus.endSessions(rooms.session(sessionId), reason);
	}

	/** Ends every session of a user (optionally keeping one) and disconnects their sockets. */
	async invalidateAllForUser(
		userId: string,
		reason: SessionEndReason,
		keepSessionId?: string
	): Promise<void> {
		const sessions = await this.#db.session.findMany({
			where: { userId, ...(keepSessionId && { id: { not: keepSessionId } }) },
			select: { id: true }
		});
		await this.#db.session.deleteMany({ where: { id: { in: sessions.map((s) => s.id) } } });
		for (const { id } of sessions) this.#bus.endSessions(rooms.session(id), reason);
	}

	/** Removes expired sessions; run periodically. */
	async deleteExpired(): Promise<number> {
		const { count } = await this.#db.session.deleteMany({
			where: { expiresAt: { lte: new Date() } }
		});
		return count;
	}
}
