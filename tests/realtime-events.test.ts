import { describe, expect, it } from 'vitest';
import {
	disconnected,
	emitWithAck,
	openSocket,
	ping,
	type Account,
	type TestSocket
} from './helpers/client.ts';
import { useParley, type Parley } from './helpers/kit.ts';

let user: Account;
const server = useParley({}, async (kit) => {
	user = await kit.account();
});
const strict = useParley({
	env: { SOCKET_EVENTS_PER_SECOND: '5', SOCKET_EVENT_BURST: '5', SOCKET_MAX_PAYLOAD_BYTES: '2048' }
});

/** A socket of the server's user; on the strict server a new user's, with a fresh event budget. */
async function socketFor(target: Parley): Promise<TestSocket> {
	return target.socket(target === server ? user.http : (await strict.account()).http);
}

async function expectHealthy(target: Parley, socket?: TestSocket) {
	expect(target.process.exitCode).toBeNull();
	const health = await fetch(`${target.url}/healthz`);
	expect(health.status).toBe(200);
	const probe = socket ?? (await socketFor(target));
	expect(await ping(probe, { nonce: 'alive' })).toMatchObject({
		ok: true,
		data: { nonce: 'alive' }
	});
}

describe('ping', () => {
	it('acknowledges a valid ping with its nonce and the server time', async () => {
		const socket = await socketFor(server);
		const before = Date.now();
		const ack = await ping(socket, { nonce: 'n-1' });
		expect(ack).toEqual({ ok: true, data: { nonce: 'n-1', serverTime: expect.any(Number) } });
		expect((ack.data as { serverTime: number }).serverTime).toBeGreaterThanOrEqual(before - 1000);
	});

	it('acknowledges a payload of the wrong shape with a validation error', async () => {
		const socket = await socketFor(server);
		const wrong: unknown[] = [
			{ nonce: 5 },
			'a string',
			null,
			42,
			[],
			{},
			{ nonce: 'x'.repeat(65) }
		];
		for (const payload of wrong) {
			const ack = await ping(socket, payload);
			expect(ack, JSON.stringify(payload)).toMatchObject({
				ok: false,
				error: { code: 'validation', message: expect.any(String) }
			});
		}
		expect(socket.connected).toBe(true);
		await expectHealthy(server, socket);
	});

	it('refuses a payload that is not a plain object, even where every field is optional', async () => {
		const socket = await socketFor(server);
		const notObjects: [string, unknown][] = [
			['channels:list', []],
			['channels:list', ['x']],
			['presence:list', [{}]],
			['notes:list', []],
			['models:list', Buffer.from('{}')],
			['channels:browse', 'query'],
			['chats:list', 0]
		];
		for (const [event, payload] of notObjects) {
			expect(
				await emitWithAck(socket, event, payload),
				`${event} ${JSON.stringify(payload)}`
			).toEqual({
				ok: false,
				error: {
					code: 'validation',
					message: 'Send the payload as an object, not an array or a single value.'
				}
			});
		}
		// A key named __proto__ is just an unknown key: refused nowhere, and it changes no prototype.
		const proto = JSON.parse('{"__proto__": {"polluted": true}, "nonce": "p"}') as unknown;
		expect(await ping(socket, proto)).toMatchObject({ ok: true, data: { nonce: 'p' } });
		await expectHealthy(server, socket);
	});

	it('acknowledges a ping with no payload, or with extra arguments, with a validation error', async () => {
		const socket = await socketFor(server);
		expect(await emitWithAck(socket, 'ping')).toMatchObject({
			ok: false,
			error: { code: 'validation' }
		});
		// The contract is one payload object per event; extra arguments are refused, not ignored.
		expect(await emitWithAck(socket, 'ping', { nonce: 'a' }, 'extra')).toEqual({
			ok: false,
			error: { code: 'validation', message: 'Send one payload object.' }
		});
		await expectHealthy(server, socket);
	});

	it('survives events sent without an acknowledgement callback', async () => {
		const socket = await socketFor(server);
		const raw = socket as unknown as { emit(event: string, ...args: unknown[]): void };
		raw.emit('ping', { nonce: 'fire-and-forget' });
		raw.emit('ping', { nonce: 7 });
		raw.emit('ping');
		raw.emit('no-such-event', { anything: true });
		await expectHealthy(server, socket);
		expect(server.logs.filter((l) => l.level === 50)).toEqual([]);
	});

	it('answers an unknown event that expects an ack with bad_request', async () => {
		const socket = await socketFor(server);
		const raw = socket as unknown as {
			timeout(ms: number): { emitWithAck(event: string, payload: unknown): Promise<unknown> };
		};
		expect(await raw.timeout(5000).emitWithAck('no-such-event', {})).toEqual({
			ok: false,
			error: { code: 'bad_request', message: 'Unknown event "no-such-event".' }
		});
	});
});

describe('rate limit (5 per second, burst 5, per user)', () => {
	const limitedAck = {
		ok: false,
		error: { code: 'rate_limited', message: 'You are sending too fast. Slow down and try again.' }
	};

	it('answers part of a burst of 20 pings with rate_limited', async () => {
		const socket = await socketFor(strict);
		const acks = await Promise.all(
			Array.from({ length: 20 }, (_, i) => ping(socket, { nonce: `b${i}` }))
		);
		const ok = acks.filter((a) => a.ok === true);
		const limited = acks.filter((a) => a.ok === false);
		expect(ok.length + limited.length).toBe(20);
		expect(ok.length).toBeGreaterThanOrEqual(5);
		expect(limited.length).toBeGreaterThan(0);
		for (const ack of limited) expect(ack).toEqual(limitedAck);
		expect(socket.connected).toBe(true);
	});

	it('shares one budget between all sockets of a user, not one per socket', async () => {
		const { http: client } = await strict.account();
		const tabs = await Promise.all([strict.socket(client), strict.socket(client)]);
		// 10 each: within a budget per socket (5 + 5 burst), twice the budget per user.
		const acks = await Promise.all(
			tabs.flatMap((tab, t) =>
				Array.from({ length: 10 }, (_, i) => ping(tab, { nonce: `${t}-${i}` }))
			)
		);
		const limited = acks.filter((a) => a.ok === false);
		expect(limited.length).toBeGreaterThan(0);
		for (const ack of limited) expect(ack).toEqual(limitedAck);
		// Another user has a budget of their own.
		const other = await strict.account();
		expect(await ping(await openSocket(other.http), { nonce: 'fresh' })).toMatchObject({
			ok: true
		});
	});

	it('charges unknown events to the budget before answering them', async () => {
		const { http: client } = await strict.account();
		const socket = await strict.socket(client);
		const acks = await Promise.all(
			Array.from({ length: 20 }, () => emitWithAck(socket, 'no-such-event', {}))
		);
		const codes = acks.map((a) => (a.error as { code: string }).code);
		expect(codes).toContain('rate_limited');
		expect(new Set(codes)).toEqual(new Set(['rate_limited', 'bad_request']));
	});
});

describe('payload size (SOCKET_MAX_PAYLOAD_BYTES=2048)', () => {
	it('drops a connection that sends a message over the limit and keeps serving', async () => {
		const socket = await socketFor(strict);
		const gone = disconnected(socket);
		const raw = socket as unknown as { emit(event: string, ...args: unknown[]): void };
		raw.emit('ping', { nonce: 'x'.repeat(10 * 1024) }, () => {});
		expect(await gone).toMatch(/transport (close|error)/);
		expect(socket.connected).toBe(false);
		await expectHealthy(strict);
	});

	it('keeps a connection whose message is under the limit', async () => {
		const socket = await socketFor(strict);
		const ack = await ping(socket, { nonce: 'y'.repeat(1500) });
		expect(ack).toMatchObject({ ok: false, error: { code: 'validation' } });
		expect(socket.connected).toBe(true);
	});
});
