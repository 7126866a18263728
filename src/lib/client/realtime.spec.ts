import { createServer, type Server as HttpServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { RealtimeClient } from './realtime.svelte.ts';

let http: HttpServer | undefined;
let io: Server | undefined;
let client: RealtimeClient | undefined;

afterEach(async () => {
	client?.destroy();
	await io?.close();
	http?.closeAllConnections();
	client = io = http = undefined;
});

/** A real Socket.IO server whose handshake refuses with `code` the first `refusals` times. */
async function serverRefusing(
	code: string,
	refusals: number
): Promise<{ url: string; tries: () => number }> {
	http = createServer();
	io = new Server(http, { transports: ['websocket'] });
	let tries = 0;
	io.use((_socket, next) => {
		tries++;
		if (tries > refusals) return next();
		next(Object.assign(new Error(`refused ${tries}`), { data: { code } }));
	});
	await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
	const { port } = http.address() as { port: number };
	return { url: `http://127.0.0.1:${port}`, tries: () => tries };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

describe('RealtimeClient', () => {
	it('retries a handshake refused as unavailable (the database restarting) until it connects', async () => {
		const server = await serverRefusing('unavailable', 2);
		client = new RealtimeClient(server.url);
		await until(() => server.tries() >= 1, 5000);
		await until(() => client?.state !== 'connecting', 5000);
		expect(client.state).toBe('reconnecting');
		await until(() => client?.connected === true, 10_000);
		expect(server.tries()).toBe(3);
		expect(client.state).toBe('connected');
		expect(client.lastError).toBeNull();
	});

	it('does not retry a refusal that will not pass by itself', async () => {
		const server = await serverRefusing('unauthorized', 1);
		client = new RealtimeClient(server.url);
		await until(() => client?.state === 'offline', 5000);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(server.tries()).toBe(1);
		expect(client.connected).toBe(false);
	});
});
