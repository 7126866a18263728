import type { SqlDb } from '../db/adapter-sql.ts';
import type { Db } from '../db/client.ts';
import type { RealtimeBus } from '../realtime/bus.ts';
import { AppError } from '../errors.ts';
import type { SessionEndReason } from '#lib/shared/events.ts';
import type { ApiTokenSummary, PublicUser } from '#lib/shared/types.ts';
import { generateSecret, hashSecret } from './tokens.ts';
import { toPublicUser } from './user-row.ts';
import { InFlight } from './in-flight.ts';
import { tokenWithUser, touchToken, type TokenUserRow } from './credential-sql.ts';

export const API_TOKEN_PREFIX = 'prl_';
const MAX_TOKENS_PER_USER = 50;
/** Recording every use would turn reads into writes; once a minute is precise enough. */
const TOUCH_EVERY_MS = 60_000;

/** Personal API tokens for bots and scripts. A token is shown once; only its hash is kept. */
export class ApiTokenService {
	readonly #db: Db;
	readonly #sql: SqlDb;
	readonly #bus: RealtimeBus;
	readonly #touching = new InFlight();

	constructor(deps: { db: Db; sql: SqlDb; bus: RealtimeBus }) {
		this.#db = deps.db;
		this.#sql = deps.sql;
		this.#bus = deps.bus;
	}

	async create(userId: string, name: string): Promise<{ token: string; summary: ApiTokenSummary }> {
		if ((await this.#db.apiToken.count({ where: { userId } })) >= MAX_TOKENS_PER_USER) {
			throw new AppError('conflict', `You can have at most ${MAX_TOKENS_PER_USER} tokens.`);
		}
		const token = API_TOKEN_PREFIX + generateSecret();
		const row = await this.#db.apiToken.create({
			data: { userId, name, tokenHash: hashSecret(token), prefix: token.slice(0, 10) }
		});
		return { token, summary: summarize(row) };
	}

	async list(userId: string): Promise<ApiTokenSummary[]> {
		const rows = await this.#db.apiToken.findMany({
			where: { userId },
			orderBy: [{ createdAt: 'desc' }, { id: 'desc' }]
		});
		return rows.map(summarize);
	}

	/** Revokes a token and disconnects sockets that signed in with it. */
	async revoke(userId: string, tokenId: string): Promise<void> {
		const { count } = await this.#db.apiToken.deleteMany({ where: { id: tokenId, userId } });
		if (count === 0) throw new AppError('not_found', 'No such token.');
		this.#bus.endSessions(tokenRoom(tokenId), 'revoked');
	}

	/** Revokes every token of a user and disconnects their sockets; returns how many there were. */
	async revokeAll(userId: string, reason: SessionEndReason): Promise<number> {
		const tokens = await this.#db.apiToken.findMany({ where: { userId }, select: { id: true } });
		await this.#db.apiToken.deleteMany({ where: { id: { in: tokens.map((t) => t.id) } } });
		for (const { id } of tokens) this.#bus.endSessions(tokenRoom(id), reason);
		return tokens.length;
	}

	/** The active user a bearer token belongs to, or null. One statement, and a write a minute. */
	async authenticate(token: string): Promise<{ user: PublicUser; tokenId: string } | null> {
		if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 100) return null;
		const row = await this.#sql.get<TokenUserRow>(tokenWithUser(hashSecret(token)));
		if (!row || row.status !== 'active') return null;
		const now = Date.now();
		if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
			await this.#touching.join(row.tokenId, () =>
				this.#sql.run(touchToken(row.tokenId, new Date(now), new Date(now - TOUCH_EVERY_MS)))
			);
		}
		return { user: toPublicUser(row), tokenId: row.tokenId };
	}
}

/** Sockets opened with an API token join this room, so revoking the token can reach them. */
export function tokenRoom(tokenId: string): string {
	return `token:${tokenId}`;
}

function summarize(row: {
	id: string;
	name: string;
	prefix: string;
	createdAt: Date;
	lastUsedAt: Date | null;
}): ApiTokenSummary {
	return {
		id: row.id,
		name: row.name,
		prefix: row.prefix,
		createdAt: row.createdAt.toISOString(),
		lastUsedAt: row.lastUsedAt?.toISOString() ?? null
	};
}
