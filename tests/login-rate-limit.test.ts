import { describe, expect, it } from 'vitest';
import { HttpClient, uniqueEmail } from './helpers/client.ts';
import type { TestServer } from './helpers/server.ts';
import { useParley } from './helpers/kit.ts';

const perAccount = useParley({ env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' } });
const perIp = useParley({ env: { LOGIN_MAX_ATTEMPTS_PER_IP: '5' } });

/** Logs in like the page's enhanced form does (Accept: application/json) and returns status and text. */
async function logInJson(server: TestServer, email: string, password: string) {
	const client = new HttpClient(server.url);
	const response = await client.request('/login', {
		method: 'POST',
		headers: {
			origin: server.url,
			accept: 'application/json',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams({ email, password }).toString()
	});
	return { status: response.status, text: await response.text(), cookie: client.sessionToken };
}

describe('failures per account (LOGIN_MAX_FAILURES_PER_ACCOUNT=3)', () => {
	it('locks the account after 3 failures, even against the right password', async () => {
		const { email, password } = await perAccount.account();
		for (let i = 0; i < 3; i++) {
			const failure = await logInJson(perAccount, email, `wrong password ${i}`);
			expect(failure.status).toBe(401);
			expect(failure.text).toContain('Incorrect email or password.');
		}
		const locked = await logInJson(perAccount, email, password);
		expect(locked.status).toBe(429);
		expect(locked.text).toContain('Too many failed sign-ins for this account.');
		expect(locked.text).toMatch(/Try again in \d+ minutes?\./);
		expect(locked.cookie).toBeUndefined();

		const page = new HttpClient(perAccount.url);
		const html = await page.logIn(email.toUpperCase(), password);
		expect(html.status).toBe(429);
		expect(await html.text()).toContain('Too many failed sign-ins for this account.');
		expect(page.sessionToken).toBeUndefined();
	});

	it('locks only that account', async () => {
		const victim = await perAccount.account();
		const bystander = await perAccount.account();
		for (let i = 0; i < 3; i++) await logInJson(perAccount, victim.email, 'wrong password');
		expect((await logInJson(perAccount, victim.email, victim.password)).status).toBe(429);
		const ok = await logInJson(perAccount, bystander.email, bystander.password);
		expect(ok.status).toBe(200); // the enhanced form gets its redirect as JSON
		expect(ok.text).toContain('"type":"redirect"');
		expect(ok.cookie).toMatch(/^[a-z2-7]{52}$/);
	});

	it('counts failures of unknown emails too, and forgets them after a success', async () => {
		const ghost = uniqueEmail('ghost');
		for (let i = 0; i < 3; i++) await logInJson(perAccount, ghost, 'whatever password');
		expect((await logInJson(perAccount, ghost, 'whatever password')).status).toBe(429);

		const { email, password } = await perAccount.account();
		for (let round = 0; round < 3; round++) {
			expect((await logInJson(perAccount, email, 'wrong password')).status).toBe(401);
			expect((await logInJson(perAccount, email, 'wrong password')).status).toBe(401);
			expect((await logInJson(perAccount, email, password)).status).toBe(200);
		}
	});
});

describe('attempts per IP (LOGIN_MAX_ATTEMPTS_PER_IP=5)', () => {
	it('refuses the 6th attempt from one address, whatever the account or password', async () => {
		const alice = await perIp.account();
		const bob = await perIp.account();
		const attempts = [
			[alice.email, 'wrong password'],
			[alice.email, alice.password],
			[bob.email, 'wrong password'],
			[uniqueEmail(), 'wrong password'],
			[bob.email, bob.password]
		];
		for (const [email, password] of attempts) {
			expect((await logInJson(perIp, email, password)).status).not.toBe(429);
		}
		const sixth = await logInJson(perIp, bob.email, bob.password);
		expect(sixth.status).toBe(429);
		expect(sixth.text).toContain('Too many sign-in attempts from your network.');
		expect(sixth.cookie).toBeUndefined();
		const html = await new HttpClient(perIp.url).logIn(alice.email, alice.password);
		expect(html.status).toBe(429);
		expect(await html.text()).toContain('Too many sign-in attempts from your network.');
		// Signed-in sessions are not affected.
		expect((await alice.http.json('/api/v1/me')).status).toBe(200);
	});
});
