import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { HttpClient, uniqueEmail } from './helpers/client.ts';
import { newParley, useParley } from './helpers/kit.ts';

let admin: HttpClient;
const env = { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' };
const server = useParley({ env }, async (kit) => {
	admin = (await kit.account('Admin')).http;
});

/** Opens a raw TCP connection to the server and resolves with everything it sent and when it closed. */
function rawConnection(port: number) {
	const socket = net.connect(port, '127.0.0.1');
	let received = '';
	socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
	const closed = new Promise<number>((resolve) => {
		const started = Date.now();
		socket.on('close', () => resolve(Date.now() - started));
		socket.on('error', () => {});
	});
	return { socket, closed, received: () => received };
}

describe('security headers', () => {
	it('sends a strict CSP with a nonce on pages, and the other headers everywhere', async () => {
		const page = await admin.request('/channels');
		const csp = page.headers.get('content-security-policy') ?? '';
		expect(csp).toMatch(/script-src 'self' 'nonce-[\w+/=]+'/);
		expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
		for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
			expect(csp).toContain(directive);
		}
		const nonce = csp.match(/'nonce-([\w+/=]+)'/)?.[1];
		const html = await page.text();
		// Every inline script of the page carries the nonce (the theme script and SvelteKit's own).
		const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
		expect(scripts.length).toBeGreaterThan(0);
		for (const attributes of scripts) expect(attributes).toContain(`nonce="${nonce}"`);

		const asset = html.match(/\/_app\/immutable\/[^"]+\.js/)?.[0] ?? '/no-script-on-the-page';
		for (const response of [page, await admin.request(asset), await admin.request('/healthz')]) {
			expect(response.status, response.url).toBe(200);
			expect(response.headers.get('x-content-type-options')).toBe('nosniff');
			expect(response.headers.get('x-frame-options')).toBe('DENY');
			expect(response.headers.get('referrer-policy')).toBe('same-origin');
		}
	});

	it('keeps signed-in answers out of caches', async () => {
		const me = await admin.request('/api/v1/me');
		expect(me.headers.get('cache-control')).toContain('no-store');
		const page = await admin.request('/settings');
		expect(page.headers.get('cache-control')).toContain('no-store');
	});
});

describe('cross-site writes with the session cookie', () => {
	const body = JSON.stringify({ name: 'from elsewhere' });
	const write = (headers: Record<string, string>) =>
		admin.request('/api/v1/tokens', {
			method: 'POST',
			headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
			body
		});
	const tokenCount = async () =>
		(await admin.json<{ tokens: unknown[] }>('/api/v1/tokens')).body.tokens.length;

	it('refuses a foreign, a null and a missing Origin, and writes nothing', async () => {
		const before = await tokenCount();
		for (const headers of <Record<string, string>[]>[
			{ origin: 'https://evil.example' },
			{ origin: 'null' },
			{ origin: server.url.replace('127.0.0.1', 'localhost') },
			{}
		]) {
			const response = await write(headers);
			expect(response.status, JSON.stringify(headers)).toBe(403);
			expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
		}
		expect(await tokenCount()).toBe(before);
	});

	it('accepts the same origin, and scripts that sign with a token and send no Origin', async () => {
		const created = await write({ origin: server.url });
		expect(created.status).toBe(201);
		const { token } = (await created.json()) as { token: string };
		const bot = new HttpClient(server.url);
		const fromScript = await bot.json('/api/v1/tokens', {
			method: 'POST',
			body: { name: 'made by a script' },
			token
		});
		expect(fromScript.status).toBe(201);
	});
});

describe('where to go after signing in', () => {
	it('normalises ?next= to a path on this site', async () => {
		const { email, password } = await server.account();
		const cases: [string, string][] = [
			['/\\evil.example', '/'],
			['//evil.example/x', '/'],
			['https://evil.example', '/'],
			['/\t/evil.example', '/'],
			['/notes?x=1#top', '/notes?x=1#top'],
			['/channels/a b', '/channels/a%20b']
		];
		for (const [next, expected] of cases) {
			const client = new HttpClient(server.url);
			const response = await client.submit(`/login?next=${encodeURIComponent(next)}`, {
				email,
				password
			});
			expect(response.status, next).toBe(303);
			expect(response.headers.get('location'), next).toBe(expected);
		}
	});
});

describe('slow and oversized requests', () => {
	it('drops a connection that sends its headers too slowly', async () => {
		const { socket, closed } = rawConnection(server.port);
		socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
		// The headers never end; the server gives up after HTTP_HEADERS_TIMEOUT_MS (1 s here).
		const after = await closed;
		expect(after).toBeLessThan(10_000);
	});

	it('hangs up soon after refusing an oversized chunked body instead of reading it all', async () => {
		const { socket, closed, received } = rawConnection(server.port);
		socket.write(
			`POST /api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
				`Cookie: ${admin.cookieHeader}\r\nOrigin: ${server.url}\r\n` +
				'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
		);
		const chunk = Buffer.alloc(64 * 1024, 'a');
		let sent = 0;
		let open = true;
		void closed.then(() => (open = false));
		// Keep sending until the server hangs up; it must do so soon after 1 MB, not after 64 MB.
		while (open && sent < 64 * 1024 * 1024) {
			const more = socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
			sent += chunk.length;
			if (!more) {
				await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
			}
		}
		await closed;
		// The answer itself may be lost to the reset of a client that never stops writing; an honest
		// client reads it (http-errors.test.ts). What matters here is that the server hung up.
		if (received()) expect(received()).toMatch(/^HTTP\/1\.1 413/);
		expect(sent).toBeLessThan(16 * 1024 * 1024);
		expect((await admin.json('/healthz')).status).toBe(200);
	});
});

describe('sign-up limit per IP', () => {
	it('refuses new accounts from one address beyond SIGNUP_MAX_PER_IP_PER_HOUR, counting failures too', async () => {
		const limited = await newParley({ env: { SIGNUP_MAX_PER_IP_PER_HOUR: '3' } });
		try {
			const signUp = (email: string) =>
				new HttpClient(limited.url).submit('/signup', {
					email,
					displayName: 'Someone',
					password: 'correct horse battery'
				});
			const taken = uniqueEmail();
			expect((await signUp(taken)).status).toBe(303);
			expect((await signUp(taken)).status).toBe(409);
			expect((await signUp(uniqueEmail())).status).toBe(303);
			const refused = await signUp(uniqueEmail());
			expect(refused.status).toBe(429);
			expect(await refused.text()).toContain('Too many new accounts from your network.');
		} finally {
			await limited.dispose();
		}
	});
});
