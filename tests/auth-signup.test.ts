import { describe, expect, it } from 'vitest';
import { HttpClient, uniqueEmail } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

const server = useParley();

describe('sign-up', () => {
	it('makes the first account the admin and later ones users', async () => {
		const first = new HttpClient(server.url);
		const { response } = await first.signUp({ displayName: 'Ana' });
		expect(response.status).toBe(303);
		expect((await first.json('/api/v1/me')).body).toMatchObject({
			user: { role: 'admin', status: 'active' }
		});

		const second = new HttpClient(server.url);
		await second.signUp({ displayName: 'Bo' });
		expect((await second.json('/api/v1/me')).body).toMatchObject({
			user: { role: 'user', status: 'active' }
		});
	});

	it('sets an HttpOnly, SameSite=Lax session cookie holding a 32-byte token', async () => {
		const client = new HttpClient(server.url);
		await client.signUp();
		const cookie = client.lastSetCookie.find((c) => c.startsWith('parley_session='));
		expect(cookie).toBeDefined();
		expect(cookie).toMatch(/HttpOnly/i);
		expect(cookie).toMatch(/SameSite=Lax/i);
		expect(cookie).not.toMatch(/Secure/i); // plain http here; Secure is set over https
		expect(client.sessionToken).toMatch(/^[a-z2-7]{52}$/);
	});

	it('rejects invalid input with messages per field and writes nothing', async () => {
		const client = new HttpClient(server.url);
		const email = uniqueEmail();
		const response = await client.submit('/signup', { email, displayName: ' ', password: 'short' });
		expect(response.status).toBe(400);
		const html = await response.text();
		expect(html).toContain('Enter a display name.');
		expect(html).toContain('Use at least 8 characters.');
		expect(client.sessionToken).toBeUndefined();
		expect((await client.logIn(email, 'short')).status).toBe(401);
	});

	it('refuses a second account with the same email, case-insensitively', async () => {
		const email = uniqueEmail();
		await new HttpClient(server.url).signUp({ email });
		const again = await new HttpClient(server.url).signUp({ email: email.toUpperCase() });
		expect(again.response.status).toBe(409);
		expect(await again.response.text()).toContain('already exists');
	});

	it('stores HTML in names verbatim and renders it escaped', async () => {
		const client = new HttpClient(server.url);
		const name = `<img src=x onerror=alert(1)>'; DROP TABLE "User"; --`;
		await client.signUp({ displayName: name });
		expect(
			(await client.json<{ user: { displayName: string } }>('/api/v1/me')).body.user.displayName
		).toBe(name);
		const page = await (await client.request('/channels')).text();
		expect(page).not.toContain('<img src=x onerror');
		expect(page).toContain('\\u003Cimg src=x onerror=alert(1)>');
	});
});
