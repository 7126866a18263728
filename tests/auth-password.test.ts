import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	HttpClient,
	disconnected,
	newUser,
	nextEvent,
	openSocket,
	ping
} from './helpers/client.ts';
import { openDb, sessionId } from './helpers/db.ts';
import { disposeServer, startServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
	server = await startServer();
	await newUser(server.url, { displayName: 'Admin' });
});
afterAll(() => disposeServer(server));

function sessionCount(userId: string): number {
	const db = openDb(server);
	try {
		return (
			db.prepare('SELECT count(*) AS n FROM Session WHERE userId = ?').get(userId) as {
				n: number;
			}
		).n;
	} finally {
		db.close();
	}
}

describe('change password', () => {
	it('refuses a wrong current password with 400 and fields.currentPassword, changing nothing', async () => {
		const { client, email, password } = await newUser(server.url);
		const response = await client.json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: 'not my password', newPassword: 'a brand new secret' }
		});
		expect(response).toMatchObject({
			status: 400,
			body: {
				error: {
					code: 'validation',
					fields: { currentPassword: 'Your current password is incorrect.' }
				}
			}
		});
		expect((await new HttpClient(server.url).logIn(email, password)).status).toBe(303);
		expect((await new HttpClient(server.url).logIn(email, 'a brand new secret')).status).toBe(401);
	});

	it('refuses a too short new password and an anonymous caller', async () => {
		const { client, password } = await newUser(server.url);
		const short = await client.json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: password, newPassword: 'short' }
		});
		expect(short).toMatchObject({
			status: 400,
			body: { error: { code: 'validation', fields: { newPassword: 'Use at least 8 characters.' } } }
		});
		const anonymous = await new HttpClient(server.url).json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: password, newPassword: 'a brand new secret' }
		});
		expect(anonymous).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
	});

	it('ends every other session and its sockets, keeps the current one, swaps the passwords', async () => {
		const { client: current, email, password, id } = await newUser(server.url);
		const other = new HttpClient(server.url);
		expect((await other.logIn(email, password)).status).toBe(303);
		const otherToken = other.requireSessionToken();
		const currentSocket = await openSocket(current);
		const otherSocket = await openSocket(other);
		expect(sessionCount(id)).toBe(2);

		const ended = nextEvent(otherSocket, 'session:ended');
		const gone = disconnected(otherSocket);
		const newPassword = 'a brand new secret';
		const response = await current.json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: password, newPassword }
		});
		expect(response).toEqual({ status: 200, body: { ok: true } });

		expect(await ended).toEqual({ reason: 'password_changed' });
		await gone;
		expect(otherSocket.connected).toBe(false);
		expect((await other.json('/api/v1/me')).status).toBe(401);
		expect(sessionCount(id)).toBe(1);
		const db = openDb(server);
		expect(db.prepare('SELECT 1 FROM Session WHERE id = ?').get(sessionId(otherToken))).toBe(
			undefined
		);
		db.close();

		// This session and its socket carry on.
		expect((await current.json('/api/v1/me')).status).toBe(200);
		expect(currentSocket.connected).toBe(true);
		expect(await ping(currentSocket, { nonce: 'after' })).toMatchObject({ ok: true });
		currentSocket.disconnect();

		expect((await new HttpClient(server.url).logIn(email, password)).status).toBe(401);
		expect((await new HttpClient(server.url).logIn(email, newPassword)).status).toBe(303);
	});
});

describe('profile', () => {
	it('updates the profile and tells the user’s other sockets with user:updated', async () => {
		const { client, email, password, id } = await newUser(server.url, { displayName: 'Before' });
		const other = new HttpClient(server.url);
		await other.logIn(email, password);
		const { body: created } = await client.json<{ token: string }>('/api/v1/tokens', {
			method: 'POST',
			body: { name: 'bot' }
		});
		const otherSocket = await openSocket(other);
		const botSocket = await openSocket(new HttpClient(server.url), { token: created.token });

		const onOther = nextEvent(otherSocket, 'user:updated');
		const onBot = nextEvent(botSocket, 'user:updated');
		const response = await client.json('/api/v1/me', {
			method: 'PATCH',
			body: { displayName: '  After  ', avatarColor: '#123abc' }
		});
		const expected = { id, email, displayName: 'After', avatarColor: '#123abc' };
		expect(response).toMatchObject({ status: 200, body: { user: expected } });
		expect(await onOther).toMatchObject(expected);
		expect(await onBot).toMatchObject(expected);
		expect((await other.json('/api/v1/me')).body).toMatchObject({ user: expected });
		otherSocket.disconnect();
		botSocket.disconnect();
	});

	it('rejects an invalid profile with a message per field and keeps the old one', async () => {
		const { client } = await newUser(server.url, { displayName: 'Kept' });
		const response = await client.json('/api/v1/me', {
			method: 'PATCH',
			body: { displayName: '   ', avatarColor: 'red' }
		});
		expect(response).toMatchObject({
			status: 400,
			body: {
				error: {
					code: 'validation',
					fields: {
						displayName: 'Enter a display name.',
						avatarColor: 'Pick a colour such as #6366f1.'
					}
				}
			}
		});
		expect((await client.json('/api/v1/me')).body).toMatchObject({
			user: { displayName: 'Kept' }
		});
	});
});
