import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import {
	HttpClient,
	connectError,
	openSocket,
	ping,
	type Account,
	type TestSocket
} from './helpers/client.ts';
import { RawSocket } from './helpers/raw-socket.ts';
import { useParley, type Parley } from './helpers/kit.ts';

/** The public origin of the second server; its sockets still connect to 127.0.0.1. */
const PUBLIC_ORIGIN = 'http://parley.example.test';

let member: Account;
let memberToken: string;
const server = useParley({}, async (kit) => {
	await kit.account('Admin');
	member = await kit.account('Member');
	const created = await member.http.json<{ token: string }>('/api/v1/tokens', {
		method: 'POST',
		body: { name: 'handshake test' }
	});
	memberToken = created.body.token;
});
const configured = useParley({ env: { ORIGIN: PUBLIC_ORIGIN } });

const track = (socket: TestSocket) => server.track(socket);

function raw(target: Parley, headers: Record<string, string>): RawSocket {
	return target.track(new RawSocket(target.url, headers));
}

describe('origin check, session cookie', () => {
	it('refuses a browser on another origin, naming the origin', async () => {
		for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null']) {
			const error = await connectError(track(member.http.socket({ origin })));
			expect(error.message).toBe(`Origin ${origin} is not allowed.`);
			expect(error.data?.code).toBe('bad_origin');
		}
	});

	it('refuses the cookie without an Origin: only pages of this site may use it', async () => {
		const error = await connectError(track(member.http.socket({ origin: null })));
		expect(error.data?.code).toBe('bad_origin');
		expect(error.message).toBe(
			'No Origin header: sign in from a page of this site, or with an API token (auth: { token }).'
		);
	});

	it('accepts the app’s own origin', async () => {
		const browser = track(await openSocket(member.http, { origin: server.url }));
		expect(await ping(browser, { nonce: 'same-origin' })).toMatchObject({ ok: true });
	});

	it('closes a refused connection at once instead of holding it', async () => {
		const socket = raw(server, {
			cookie: member.http.cookieHeader,
			origin: 'http://evil.example'
		});
		await socket.opened();
		socket.connect();
		const answer = await socket.connectAnswer();
		expect(answer).toMatchObject({ ok: false, body: { data: { code: 'bad_origin' } } });
		// Closed by the server right after the refusal, long before the 10 s connect timeout.
		await expect(Promise.race([socket.closed, timeout(5000)])).resolves.toBeTypeOf('number');
	});
});

describe('origin check, API token', () => {
	it('accepts a token without an Origin (bots, scripts, the CLI)', async () => {
		const script = track(await openSocket(new HttpClient(server.url), { token: memberToken }));
		expect(await ping(script, { nonce: 'token' })).toMatchObject({ ok: true });
	});

	it('refuses a token sent from a foreign page', async () => {
		const error = await connectError(
			track(
				new HttpClient(server.url).socket({ token: memberToken, origin: 'http://evil.example' })
			)
		);
		expect(error.data?.code).toBe('bad_origin');
		expect(error.message).toBe('Origin http://evil.example is not allowed.');
	});

	it('lets the token decide, not a cookie sent along with it', async () => {
		// A cross-site page cannot make the cookie count by adding a bad token: the token is checked.
		const socket = io(server.url, {
			transports: ['websocket'],
			reconnection: false,
			forceNew: true,
			extraHeaders: { cookie: member.http.cookieHeader },
			auth: { token: 'prl_not-a-real-token' }
		});
		track(socket as TestSocket);
		const error = await connectError(socket as TestSocket);
		expect(error.data?.code).toBe('unauthorized');
		expect(error.message).toBe('The API token is invalid or revoked.');
	});
});

describe('origin check with ORIGIN configured', () => {
	it('accepts only the configured origin: not a sibling subdomain, not the raw address', async () => {
		const client = new HttpClient(configured.url, { origin: PUBLIC_ORIGIN });
		const { response } = await client.signUp();
		expect(response.status).toBe(303);
		const ok = track(await openSocket(client, { origin: PUBLIC_ORIGIN }));
		expect(await ping(ok, { nonce: 'public' })).toMatchObject({ ok: true });
		for (const origin of [
			'http://chat.parley.example.test',
			'http://example.test',
			'https://parley.example.test',
			configured.url
		]) {
			const error = await connectError(track(client.socket({ origin })));
			expect(error.data?.code, origin).toBe('bad_origin');
		}
		expect((await connectError(track(client.socket({ origin: null })))).data?.code).toBe(
			'bad_origin'
		);
	});
});

describe('authentication', () => {
	it('refuses a socket without a cookie or token: "Sign in to connect."', async () => {
		const anonymous = new HttpClient(server.url);
		const error = await connectError(track(anonymous.socket()));
		expect(error.message).toBe('Sign in to connect.');
		expect(error.data?.code).toBe('unauthorized');
		const wrongCookie = await connectError(
			track(
				io(server.url, {
					transports: ['websocket'],
					reconnection: false,
					forceNew: true,
					extraHeaders: { cookie: 'other_cookie=1', origin: server.url }
				}) as TestSocket
			)
		);
		expect(wrongCookie.message).toBe('Sign in to connect.');
	});

	it('checks the origin before anything else', async () => {
		const error = await connectError(
			track(new HttpClient(server.url).socket({ origin: 'http://evil.example' }))
		);
		expect(error.message).toBe('Origin http://evil.example is not allowed.');
	});
});

describe('transports: WebSocket only', () => {
	it('refuses HTTP long-polling and JSONP with 400 "Transport unknown", cookie or not', async () => {
		for (const query of ['transport=polling', 'transport=polling&j=0']) {
			const variants: Record<string, string>[] = [{}, { cookie: member.http.cookieHeader }];
			for (const headers of variants) {
				const response = await fetch(`${server.url}/socket.io/?EIO=4&${query}`, { headers });
				expect(response.status, query).toBe(400);
				expect(response.headers.get('content-type')).toBe('application/json');
				expect(await response.json()).toEqual({ code: 0, message: 'Transport unknown' });
			}
		}
		// A JSONP poll posted from a form is refused the same way.
		const posted = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&j=0&sid=x`, {
			method: 'POST',
			headers: {
				cookie: member.http.cookieHeader,
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: 'd=42["channels:list",{}]'
		});
		expect(posted.status).toBe(400);
	});

	it('does not connect a client that asks for polling', async () => {
		const socket = io(server.url, {
			transports: ['polling'],
			reconnection: false,
			forceNew: true,
			extraHeaders: { cookie: member.http.cookieHeader, origin: server.url }
		});
		track(socket as TestSocket);
		const error = await connectError(socket as TestSocket);
		expect(error.message).toBe('xhr poll error');
	});
});

function timeout(ms: number): Promise<never> {
	return new Promise((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms));
}
