import http from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, disconnected, newUser, openSocket, ping } from './helpers/client.ts';
import { disposeServer, logMessages, startServer, type TestServer } from './helpers/server.ts';

const servers: TestServer[] = [];
let first: TestServer;
beforeAll(async () => {
	first = await startServer();
	servers.push(first);
});
afterAll(async () => {
	// Newest first: a restarted server shares its data folder with the one before it.
	for (const server of servers.reverse()) await disposeServer(server);
});

/** Makes one request on a keep-alive agent and returns the TCP socket it leaves open and idle. */
async function idleKeepAliveSocket(
	url: string
): Promise<{ socket: NetSocket; closed: Promise<void> }> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	return new Promise((resolve, reject) => {
		const request = http.get(`${url}/healthz`, { agent }, (response) => {
			expect(response.headers.connection).toBe('keep-alive');
			const socket = response.socket;
			response.resume();
			response.on('end', () => {
				const closed = new Promise<void>((done) => socket.once('close', () => done()));
				resolve({ socket, closed });
			});
		});
		request.on('error', reject);
	});
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	return Promise.race([
		promise,
		new Promise<never>((_, reject) =>
			setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms)
		)
	]);
}

async function expectGracefulStop(server: TestServer, signal: 'SIGTERM' | 'SIGINT') {
	const { client, email, password } = await newUser(server.url);
	const socket = await openSocket(client);
	expect(await ping(socket, { nonce: 'before' })).toMatchObject({ ok: true });
	const keepAlive = await idleKeepAliveSocket(server.url);
	expect(keepAlive.socket.destroyed).toBe(false);
	const socketGone = disconnected(socket, 10_000);

	server.process.kill(signal);
	const exit = await within(server.exited, 10_000, `no exit on ${signal}`);
	expect(exit).toEqual({ code: 0, signal: null });
	await within(socketGone, 1000, 'socket still connected');
	expect(socket.connected).toBe(false);
	await within(keepAlive.closed, 1000, 'keep-alive connection still open');

	const messages = logMessages(server);
	expect(messages).toContain('shutting down');
	expect(server.logs.find((l) => l.msg === 'shutting down')).toMatchObject({ signal });
	expect(messages.at(-1)).toBe('stopped');
	expect(server.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
	await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
	return { email, password };
}

describe('graceful shutdown', () => {
	it('on SIGTERM closes sockets and idle connections, logs "stopped" and exits 0', async () => {
		const { email, password } = await expectGracefulStop(first, 'SIGTERM');
		// The database was closed cleanly: a new process on the same data serves the same account.
		const again = await startServer({ dataDir: first.dataDir });
		servers.push(again);
		const client = new HttpClient(again.url);
		expect((await client.logIn(email, password)).status).toBe(303);
		expect((await client.json('/api/v1/me')).body).toMatchObject({ user: { email } });
	});

	it('on SIGINT does the same', async () => {
		const server = await startServer();
		servers.push(server);
		await expectGracefulStop(server, 'SIGINT');
	});
});
