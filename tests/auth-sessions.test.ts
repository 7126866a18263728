import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	HttpClient,
	connectError,
	cookieAttributes,
	emitWithAck,
	sessionId,
	type TestSocket
} from './helpers/client.ts';
import { TEST_DB, dbDate, parseDbDate, withTestDb } from './helpers/database.ts';
import { useParley } from './helpers/kit.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

const server = useParley({}, async (kit) => {
	await kit.account('Admin');
});

/** Reads the raw expiresAt column of a cookie token's session (undefined when the row is gone). */
async function storedExpiry(token: string): Promise<unknown> {
	const row = await withTestDb(server, (db) =>
		db.get<{ expiresAt: unknown }>(
			'SELECT "expiresAt" FROM "Session" WHERE "id" = ?',
			sessionId(token)
		)
	);
	return row?.expiresAt;
}

async function setExpiry(token: string, expiresAt: Date): Promise<void> {
	const changes = await withTestDb(server, (db) =>
		db.run(
			'UPDATE "Session" SET "expiresAt" = ? WHERE "id" = ?',
			dbDate(expiresAt),
			sessionId(token)
		)
	);
	expect(changes).toBe(1);
}

/** A client that sends `token` as its session cookie. */
function withCookie(token: string): HttpClient {
	const client = new HttpClient(server.url);
	client.cookies.set('parley_session', token);
	return client;
}

async function expectLoggedOut(client: HttpClient) {
	const page = await client.request('/channels');
	expect(page.status).toBe(303);
	expect(page.headers.get('location')).toBe('/login?next=%2Fchannels');
	expect(client.sessionToken).toBeUndefined(); // the server told the browser to drop the cookie
	expect((await client.json('/api/v1/me')).status).toBe(401);
}

describe('session storage', () => {
	it('keeps expiresAt as a date Prisma wrote, 30 days ahead', async () => {
		const { http: client } = await server.account();
		const raw = await storedExpiry(client.requireSessionToken());
		if (TEST_DB === 'sqlite') {
			expect(typeof raw).toBe('string');
			expect(raw).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
		} else {
			expect(raw).toBeInstanceOf(Date);
			const column = await withTestDb(server, (db) =>
				db.get(
					`SELECT "data_type", "datetime_precision" FROM "information_schema"."columns" WHERE "table_name" = 'Session' AND "column_name" = 'expiresAt'`
				)
			);
			expect(column).toEqual({ data_type: 'timestamp with time zone', datetime_precision: 3 });
		}
		const expected = Date.now() + 30 * DAY_MS;
		expect(Math.abs(parseDbDate(raw).getTime() - expected)).toBeLessThan(60_000);
	});
});

describe('expiry', () => {
	it('treats an expired session as logged out and deletes it', async () => {
		const { http: client } = await server.account();
		const token = client.requireSessionToken();
		await setExpiry(token, new Date(Date.now() - 60_000));

		const api = withCookie(token);
		const me = await api.json('/api/v1/me');
		expect(me).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
		expect(await storedExpiry(token)).toBeUndefined();
		await expectLoggedOut(withCookie(token));
	});

	it('refuses the socket handshake of an expired session', async () => {
		const { http: client } = await server.account();
		await setExpiry(client.requireSessionToken(), new Date(Date.now() - 1000));
		const error = await connectError(client.socket());
		expect(error.message).toBe('Your session has expired. Sign in again.');
		expect(error.data?.code).toBe('unauthorized');
		expect(await storedExpiry(client.requireSessionToken())).toBeUndefined();
	});
});

describe('sliding renewal', () => {
	it('extends a session used in the second half of its life to a full 30 days', async () => {
		const { http: client } = await server.account();
		const token = client.requireSessionToken();
		await setExpiry(token, new Date(Date.now() + 5 * DAY_MS));

		expect((await client.json('/api/v1/me')).status).toBe(200);
		const renewed = parseDbDate(await storedExpiry(token)).getTime();
		expect(Math.abs(renewed - (Date.now() + 30 * DAY_MS))).toBeLessThan(60_000);
		const cookie = client.lastSetCookie.find((c) => c.startsWith('parley_session=')) ?? '';
		expect(cookie).not.toBe('');
		const cookieExpiry = new Date(String(cookieAttributes(cookie).expires)).getTime();
		expect(Math.abs(cookieExpiry - renewed)).toBeLessThan(1000);
		expect(client.sessionToken).toBe(token); // same session, only longer
	});

	it('leaves a session in the first half of its life as it is', async () => {
		const { http: client } = await server.account();
		const token = client.requireSessionToken();
		const expiresAt = new Date(Date.now() + 20 * DAY_MS);
		await setExpiry(token, expiresAt);
		expect((await client.json('/api/v1/me')).status).toBe(200);
		expect(parseDbDate(await storedExpiry(token)).getTime()).toBe(expiresAt.getTime());
	});
});

describe('forged cookies', () => {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
	const randomToken = () => Array.from({ length: 52 }, () => alphabet[randomInt(32)]).join('');

	it('treats a well-formed but unknown token as logged out', async () => {
		await expectLoggedOut(withCookie(randomToken()));
		const error = await connectError(withCookie(randomToken()).socket());
		expect(error.message).toBe('Your session has expired. Sign in again.');
	});

	it('treats garbage, and the stored session id itself, as logged out', async () => {
		const { http: client } = await server.account();
		const forged = [
			'garbage',
			"' OR 1=1 --",
			'x'.repeat(3000),
			client.requireSessionToken().toUpperCase(),
			sessionId(client.requireSessionToken()) // the database row id is not a credential
		];
		for (const value of forged) {
			await expectLoggedOut(withCookie(encodeURIComponent(value)));
		}
		// The real session was not disturbed by any of it.
		expect((await client.json('/api/v1/me')).status).toBe(200);
	});
});

// Ending a session or token disconnects its sockets through this process's bus; with several
// processes that message may never arrive, so every event that acts as the user reads the
// credential again. These end it behind the server's back, as another process would.
describe('a socket whose sign-in ends elsewhere', () => {
	const chatsList = (socket: TestSocket) => emitWithAck(socket, 'chats:list', {});
	const refused = (message: string) => ({
		ok: false,
		error: { code: 'unauthorized', message }
	});

	async function connectedUser() {
		const { http: client, id } = await server.account();
		const socket = await server.socket(client);
		expect(await chatsList(socket)).toMatchObject({ ok: true });
		return { id, socket, token: client.requireSessionToken() };
	}

	it('refuses the next event once the session is deleted', async () => {
		const { socket, token } = await connectedUser();
		await withTestDb(server, (db) =>
			db.run('DELETE FROM "Session" WHERE "id" = ?', sessionId(token))
		);
		expect(await chatsList(socket)).toEqual(refused('You were signed out. Sign in again.'));
	});

	it('refuses the next event once the session has expired', async () => {
		const { socket, token } = await connectedUser();
		await setExpiry(token, new Date(Date.now() - 1000));
		expect(await chatsList(socket)).toEqual(refused('You were signed out. Sign in again.'));
	});

	it('refuses the next event once the account is deactivated', async () => {
		const { id, socket } = await connectedUser();
		await withTestDb(server, (db) =>
			db.run(`UPDATE "User" SET "status" = 'deactivated' WHERE "id" = ?`, id)
		);
		expect(await chatsList(socket)).toEqual(refused('Your account is no longer active.'));
	});

	it('refuses the next event of a token socket once the token is deleted', async () => {
		const { http: client } = await server.account();
		const created = await client.json<{ token: string; summary: { id: string } }>(
			'/api/v1/tokens',
			{ method: 'POST', body: { name: 'script' } }
		);
		const socket = await server.socket(new HttpClient(server.url), { token: created.body.token });
		expect(await chatsList(socket)).toMatchObject({ ok: true });
		await withTestDb(server, (db) =>
			db.run('DELETE FROM "ApiToken" WHERE "id" = ?', created.body.summary.id)
		);
		expect(await chatsList(socket)).toEqual(refused('You were signed out. Sign in again.'));
	});
});
