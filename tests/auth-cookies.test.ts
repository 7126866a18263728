import { describe, expect, it } from 'vitest';
import {
	HttpClient,
	connectError,
	cookieAttributes,
	openSocket,
	ping,
	uniqueEmail,
	sessionId
} from './helpers/client.ts';
import { parseDbDate, withTestDb } from './helpers/database.ts';
import { useParley } from './helpers/kit.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const PUBLIC_ORIGIN = 'https://parley.test';

const plain = useParley();
const secure = useParley({ env: { ORIGIN: PUBLIC_ORIGIN } });

function sessionCookie(client: HttpClient): string {
	const line = client.lastSetCookie.find((c) => c.startsWith('parley_session='));
	if (!line) throw new Error('no session cookie was set');
	return line;
}

function expectSessionFlags(line: string, secureFlag: boolean) {
	const attributes = cookieAttributes(line);
	expect(attributes.httponly).toBe(true);
	expect(String(attributes.samesite).toLowerCase()).toBe('lax');
	expect(attributes.path).toBe('/');
	expect(attributes.secure === true).toBe(secureFlag);
	const expires = new Date(String(attributes.expires)).getTime();
	expect(Math.abs(expires - (Date.now() + 30 * DAY_MS))).toBeLessThan(2 * 60 * 1000);
	return expires;
}

describe('session cookie over http', () => {
	it('is HttpOnly, SameSite=Lax, Path=/, not Secure, and expires with the session in 30 days', async () => {
		const client = new HttpClient(plain.url);
		const { email, password } = await client.signUp();
		expectSessionFlags(sessionCookie(client), false);

		const again = new HttpClient(plain.url);
		expect((await again.logIn(email, password)).status).toBe(303);
		const expires = expectSessionFlags(sessionCookie(again), false);
		const row = await withTestDb(plain, (db) =>
			db.get<{ expiresAt: unknown }>(
				'SELECT "expiresAt" FROM "Session" WHERE "id" = ?',
				sessionId(again.requireSessionToken())
			)
		);
		// Cookie dates have whole seconds.
		expect(Math.abs(parseDbDate(row?.expiresAt).getTime() - expires)).toBeLessThan(1000);
	});
});

describe('behind an https ORIGIN', () => {
	it('marks the session cookie Secure on sign-up and log-in', async () => {
		const client = new HttpClient(secure.url, { origin: PUBLIC_ORIGIN });
		const { response, email, password } = await client.signUp();
		expect(response.status).toBe(303);
		expectSessionFlags(sessionCookie(client), true);

		const again = new HttpClient(secure.url, { origin: PUBLIC_ORIGIN });
		expect((await again.logIn(email, password)).status).toBe(303);
		expectSessionFlags(sessionCookie(again), true);
		expect((await again.json('/api/v1/me')).body).toMatchObject({ user: { email } });
		// Each authenticated page view refreshes the cookie with the same flags.
		await again.request('/channels');
		expectSessionFlags(sessionCookie(again), true);
	});

	it('refuses a form posted from another origin (CSRF) and creates no account', async () => {
		const email = uniqueEmail();
		const client = new HttpClient(secure.url, { origin: 'https://evil.example' });
		const { response } = await client.signUp({ email });
		expect(response.status).toBe(403);
		expect(client.sessionToken).toBeUndefined();
		const honest = new HttpClient(secure.url, { origin: PUBLIC_ORIGIN });
		expect((await honest.logIn(email, 'correct horse battery')).status).toBe(401);
	});

	it('accepts sockets from the configured origin only', async () => {
		const client = new HttpClient(secure.url, { origin: PUBLIC_ORIGIN });
		await client.signUp();
		const error = await connectError(client.socket({ origin: secure.url }));
		expect(error.message).toContain(secure.url);
		expect(error.message).toMatch(/not allowed/);
		const socket = await openSocket(client, { origin: PUBLIC_ORIGIN });
		expect(await ping(socket, { nonce: 'https' })).toMatchObject({ ok: true });
		socket.disconnect();
	});
});
