import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	HttpClient,
	connectError,
	newUser,
	openSocket,
	ping,
	type TestSocket
} from './helpers/client.ts';
import { disposeServer, startServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let member: Awaited<ReturnType<typeof newUser>>;
const sockets: TestSocket[] = [];
beforeAll(async () => {
	server = await startServer();
	await newUser(server.url, { displayName: 'Admin' });
	member = await newUser(server.url, { displayName: 'Member' });
});
afterAll(async () => {
	for (const socket of sockets) socket.disconnect();
	await disposeServer(server);
});

function track(socket: TestSocket): TestSocket {
	sockets.push(socket);
	return socket;
}

describe('origin check', () => {
	it('refuses a browser on another origin, naming the origin', async () => {
		for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null']) {
			const error = await connectError(track(member.client.socket({ origin })));
			expect(error.message).toBe(`Origin ${origin} is not allowed.`);
			expect(error.data?.code).toBe('bad_origin');
		}
	});

	it('accepts the app’s own origin, and clients that send no Origin', async () => {
		const browser = track(await openSocket(member.client, { origin: server.url }));
		expect(await ping(browser, { nonce: 'same-origin' })).toMatchObject({ ok: true });
		const script = track(await openSocket(member.client));
		expect(await ping(script, { nonce: 'no-origin' })).toMatchObject({ ok: true });
	});
});

describe('authentication', () => {
	it('refuses a socket without a cookie or token: "Sign in to connect."', async () => {
		const error = await connectError(track(new HttpClient(server.url).socket()));
		expect(error.message).toBe('Sign in to connect.');
		expect(error.data?.code).toBe('unauthorized');
		const wrongCookie = await connectError(
			track(
				io(server.url, {
					transports: ['websocket'],
					reconnection: false,
					forceNew: true,
					extraHeaders: { cookie: 'other_cookie=1' }
				})
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

	it('accepts the session cookie over HTTP long-polling too', async () => {
		const socket = track(
			io(server.url, {
				transports: ['polling'],
				reconnection: false,
				forceNew: true,
				extraHeaders: { cookie: member.client.cookieHeader }
			})
		);
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('connect_error', reject);
		});
		expect(await ping(socket, { nonce: 'polling' })).toMatchObject({
			ok: true,
			data: { nonce: 'polling' }
		});
		const refused = track(
			io(server.url, { transports: ['polling'], reconnection: false, forceNew: true })
		);
		expect((await connectError(refused)).message).toBe('Sign in to connect.');
	});
});
