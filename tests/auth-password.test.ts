import { describe, expect, it } from 'vitest';
import {
	HttpClient,
	disconnected,
	nextEvent,
	openSocket,
	ping,
	sessionId
} from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import { useParley } from './helpers/kit.ts';

const server = useParley({}, async (kit) => {
	await kit.account('Admin');
});

async function sessionCount(userId: string): Promise<number> {
	const row = await withTestDb(server, (db) =>
		db.get<{ n: number }>('SELECT count(*) AS n FROM "Session" WHERE "userId" = ?', userId)
	);
	return row?.n ?? 0;
}

describe('change password', () => {
	it('refuses a wrong current password with 400 and fields.currentPassword, changing nothing', async () => {
		const { http: client, email, password } = await server.account();
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
		const { http: client, password } = await server.account();
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
		const { http: current, email, password, id } = await server.account();
		const other = new HttpClient(server.url);
		expect((await other.logIn(email, password)).status).toBe(303);
		const otherToken = other.requireSessionToken();
		const currentSocket = await openSocket(current);
		const otherSocket = await openSocket(other);
		expect(await sessionCount(id)).toBe(2);

		const ended = nextEvent(otherSocket, 'session:ended');
		const gone = disconnected(otherSocket);
		const newPassword = 'a brand new secret';
		const response = await current.json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: password, newPassword }
		});
		expect(response).toEqual({ status: 200, body: { ok: true, revokedTokens: 0 } });

		expect(await ended).toEqual({ reason: 'password_changed' });
		await gone;
		expect(otherSocket.connected).toBe(false);
		expect((await other.json('/api/v1/me')).status).toBe(401);
		expect(await sessionCount(id)).toBe(1);
		expect(
			await withTestDb(server, (db) =>
				db.get('SELECT 1 FROM "Session" WHERE "id" = ?', sessionId(otherToken))
			)
		).toBe(undefined);

		// This session and its socket carry on.
		expect((await current.json('/api/v1/me')).status).toBe(200);
		expect(currentSocket.connected).toBe(true);
		expect(await ping(currentSocket, { nonce: 'after' })).toMatchObject({ ok: true });
		currentSocket.disconnect();

		expect((await new HttpClient(server.url).logIn(email, password)).status).toBe(401);
		expect((await new HttpClient(server.url).logIn(email, newPassword)).status).toBe(303);
	});
});

describe('change password: API tokens and attempts', () => {
	async function tokenFor(client: HttpClient, name: string): Promise<string> {
		const { body } = await client.json<{ token: string }>('/api/v1/tokens', {
			method: 'POST',
			body: { name }
		});
		return body.token;
	}

	it('revokes the API tokens by default and disconnects their sockets', async () => {
		const { http: client, password } = await server.account();
		const token = await tokenFor(client, 'deploy bot');
		const bot = await openSocket(new HttpClient(server.url), { token });
		const ended = nextEvent(bot, 'session:ended');
		const response = await client.json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: password, newPassword: 'a brand new secret' }
		});
		expect(response).toEqual({ status: 200, body: { ok: true, revokedTokens: 1 } });
		expect(await ended).toEqual({ reason: 'password_changed' });
		await disconnected(bot);
		const me = await new HttpClient(server.url).json('/api/v1/me', { token });
		expect(me.status).toBe(401);
	});

	it('keeps the API tokens when asked to, and the settings form revokes them when ticked', async () => {
		const { http: client, password } = await server.account();
		const kept = await tokenFor(client, 'kept');
		const keep = await client.json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: password, newPassword: 'second secret!', revokeApiTokens: false }
		});
		expect(keep).toEqual({ status: 200, body: { ok: true, revokedTokens: 0 } });
		expect((await new HttpClient(server.url).json('/api/v1/me', { token: kept })).status).toBe(200);

		const unticked = await client.submit('/settings?/password', {
			currentPassword: 'second secret!',
			newPassword: 'third secret!!'
		});
		expect(unticked.status).toBe(200);
		expect((await new HttpClient(server.url).json('/api/v1/me', { token: kept })).status).toBe(200);

		const ticked = await client.submit('/settings?/password', {
			currentPassword: 'third secret!!',
			newPassword: 'fourth secret!',
			revokeApiTokens: 'on'
		});
		expect(ticked.status).toBe(200);
		expect((await new HttpClient(server.url).json('/api/v1/me', { token: kept })).status).toBe(401);
	});

	it('refuses further attempts after too many wrong current passwords, even the right one', async () => {
		const { http: client, password } = await server.account();
		const attempt = (currentPassword: string) =>
			client.json('/api/v1/me/password', {
				method: 'POST',
				body: { currentPassword, newPassword: 'a brand new secret' }
			});
		for (let i = 0; i < 5; i++) expect((await attempt(`wrong ${i}`)).status).toBe(400);
		const blocked = await attempt(password);
		expect(blocked).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
		// Nothing changed: the old password still signs in.
		const { email } = (await client.json<{ user: { email: string } }>('/api/v1/me')).body.user;
		expect((await new HttpClient(server.url).logIn(email, password)).status).toBe(303);
	});
});

describe('profile', () => {
	it('updates the profile and tells the user’s other sockets with user:updated', async () => {
		const { http: client, email, password, id } = await server.account('Before');
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
		const { http: client } = await server.account('Kept');
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
