/**
 * The statements behind every authenticated request, handshake and socket event: one statement
 * finds a credential (session or API token) together with its user, so signing in costs one
 * indexed join instead of Prisma calls, whose planning costs far more than the lookup itself.
 */
import { q, raw, type Q } from '../db/sql.ts';
import type { UserRow } from './user-row.ts';

const USER_COLUMNS = raw('u.id, u.email, u."displayName", u."avatarColor", u.role, u.status');

export type SessionUserRow = UserRow & { expiresAt: Date };
export type TokenUserRow = UserRow & { tokenId: string; lastUsedAt: Date | null };
export type CredentialUserRow = UserRow & { stands: number };

/** A session by its id (the token's hash), with its user. */
export function sessionWithUser(sessionId: string): Q {
	return q`SELECT s."expiresAt", ${USER_COLUMNS}
FROM "Session" s JOIN "User" u ON u.id = s."userId" WHERE s.id = ${sessionId}`;
}

/**
 * Extends a session, unless someone (another request, another process) already did: a session in
 * use by many tabs is written once per renewal, not once per request.
 */
export function renewSession(sessionId: string, expiresAt: Date, renewBefore: Date): Q {
	return q`UPDATE "Session" SET "expiresAt" = ${expiresAt}
WHERE id = ${sessionId} AND "expiresAt" < ${renewBefore}`;
}

export function deleteSession(sessionId: string): Q {
	return q`DELETE FROM "Session" WHERE id = ${sessionId}`;
}

/** An API token by its hash, with its user. */
export function tokenWithUser(tokenHash: string): Q {
	return q`SELECT t.id AS "tokenId", t."lastUsedAt", ${USER_COLUMNS}
FROM "ApiToken" t JOIN "User" u ON u.id = t."userId" WHERE t."tokenHash" = ${tokenHash}`;
}

/** Records a token's use, unless a use since `staleBefore` is already recorded. */
export function touchToken(tokenId: string, now: Date, staleBefore: Date): Q {
	return q`UPDATE "ApiToken" SET "lastUsedAt" = ${now}
WHERE id = ${tokenId} AND ("lastUsedAt" IS NULL OR "lastUsedAt" < ${staleBefore})`;
}

/**
 * The user of a socket, and whether the credential it signed in with still stands (1 or 0): the
 * session is neither ended nor expired, or the token not revoked. Read on every event that acts as
 * the user, so a revocation made by any process applies at once, whether or not its disconnect
 * reached this one.
 */
export function credentialUser(
	credential: { userId: string; sessionId: string | null; tokenId: string | null },
	now: Date
): Q {
	const stands = credential.sessionId
		? q`EXISTS (SELECT 1 FROM "Session" s
WHERE s.id = ${credential.sessionId} AND s."userId" = u.id AND s."expiresAt" > ${now})`
		: q`EXISTS (SELECT 1 FROM "ApiToken" t WHERE t.id = ${credential.tokenId} AND t."userId" = u.id)`;
	return q`SELECT ${USER_COLUMNS}, CASE WHEN ${stands} THEN 1 ELSE 0 END AS stands
FROM "User" u WHERE u.id = ${credential.userId}`;
}
