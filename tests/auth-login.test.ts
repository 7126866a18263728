import { describe, expect, it } from 'vitest';
import {
	HttpClient,
	disconnected,
	nextEvent,
	openSocket,
	ping,
	uniqueEmail,
	sessionId
} from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import { useParley } from './helpers/kit.ts';

const server = useParley({}, async (kit) => {
	await kit.account('Admin');
});

async function sessionRowExists(token: string): Promise<boolean> {
	const row = await withTestDb(server, (db) =>
		db.get('SELECT 1 FROM "Session" WHERE "id" = ?', sessionId(token))
	);
	return row !== undefined;
}

describe('log in', () => {
	it('answers the right password with 303 and a new session cookie that works', async () => {
		const { http: first, email, password } = await server.account();
		const client = new HttpClient(server.url);
		const response = await client.logIn(email.toUpperCase(), password);
		expect(response.status).toBe(303);
		expect(response.headers.get('location')).toBe('/');
		expect(client.sessionToken).toMatch(/^[a-z2-7]{52}$/);
		expect(client.sessionToken).not.toBe(first.sessionToken);
		expect(await sessionRowExists(client.requireSessionToken())).toBe(true);
		const me = await client.json('/api/v1/me');
		expect(me).toMatchObject({ status: 200, body: { user: { email } } });
		expect(me.body.user).not.toHaveProperty('passwordHash');
	});

	it('goes back to a same-site `next` path and ignores other sites', async () => {
		const { email, password } = await server.account();
		const here = await new HttpClient(server.url).submit('/login?next=%2Fsettings', {
			email,
			password
		});
		expect(here.headers.get('location')).toBe('/settings');
		const away = await new HttpClient(server.url).submit('/login?next=%2F%2Fevil.example', {
			email,
			password
		});
		expect(away.status).toBe(303);
		expect(away.headers.get('location')).toBe('/');
	});

	it('refuses a wrong password with 401, a generic message and no cookie', async () => {
		const { email } = await server.account();
		const client = new HttpClient(server.url);
		const response = await client.logIn(email, 'not the password');
		expect(response.status).toBe(401);
		expect(await response.text()).toContain('Incorrect email or password.');
		expect(client.lastSetCookie.some((c) => c.startsWith('parley_session='))).toBe(false);
		expect(client.sessionToken).toBeUndefined();
		expect((await client.json('/api/v1/me')).status).toBe(401);
	});

	it('answers an unknown email exactly like a wrong password', async () => {
		const client = new HttpClient(server.url);
		const response = await client.logIn(uniqueEmail('nobody'), 'correct horse battery');
		expect(response.status).toBe(401);
		const html = await response.text();
		expect(html).toContain('Incorrect email or password.');
		expect(html).not.toMatch(/no account|not found|unknown/i);
		expect(client.sessionToken).toBeUndefined();
	});

	it('rejects an empty form with a message per field', async () => {
		const client = new HttpClient(server.url);
		const response = await client.submit('/login', { email: '', password: '' });
		expect(response.status).toBe(400);
		const html = await response.text();
		expect(html).toContain('Enter your email address.');
		expect(html).toContain('Enter your password.');
		expect(client.sessionToken).toBeUndefined();
	});
});

describe('log out', () => {
	it('clears the cookie, deletes the session and ends only that session’s sockets', async () => {
		const { http: laptop, email, password } = await server.account();
		const phone = new HttpClient(server.url);
		expect((await phone.logIn(email, password)).status).toBe(303);
		const laptopSocket = await openSocket(laptop);
		const phoneSocket = await openSocket(phone);
		const oldToken = laptop.requireSessionToken();

		const ended = nextEvent(laptopSocket, 'session:ended');
		const gone = disconnected(laptopSocket);
		const response = await laptop.logOut();
		expect(response.status).toBe(303);
		expect(response.headers.get('location')).toBe('/login');
		const cleared = laptop.lastSetCookie.find((c) => c.startsWith('parley_session='));
		expect(cleared).toMatch(/^parley_session=;/);
		expect(cleared).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
		expect(cleared).toMatch(/Path=\//i);
		expect(laptop.sessionToken).toBeUndefined();

		expect(await ended).toEqual({ reason: 'logged_out' });
		await gone;
		expect(laptopSocket.connected).toBe(false);
		expect(await sessionRowExists(oldToken)).toBe(false);

		// The old cookie, replayed, is worth nothing.
		const replay = new HttpClient(server.url);
		replay.cookies.set('parley_session', oldToken);
		expect((await replay.json('/api/v1/me')).status).toBe(401);
		const page = await replay.request('/channels');
		expect(page.status).toBe(303);
		expect(page.headers.get('location')).toMatch(/^\/login/);

		// The other device is untouched.
		expect(phoneSocket.connected).toBe(true);
		expect(await ping(phoneSocket, { nonce: 'still-here' })).toMatchObject({
			ok: true,
			data: { nonce: 'still-here' }
		});
		expect((await phone.json('/api/v1/me')).status).toBe(200);
		phoneSocket.disconnect();
	});
});
