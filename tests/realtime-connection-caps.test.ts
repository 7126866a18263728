import { describe, expect, it } from 'vitest';
import {
	HttpClient,
	connectError,
	connected,
	openSocket,
	ping,
	type TestSocket
} from './helpers/client.ts';
import { REFUSAL_SLOTS } from '#lib/server/realtime/connection-limits.ts';
import { RawSocket } from './helpers/raw-socket.ts';
import { useParley, type Parley } from './helpers/kit.ts';

const PER_USER = 3;
const PER_IP = 5;

const perUser = useParley({
	env: { SOCKET_CONNECTIONS_PER_USER: String(PER_USER), SOCKET_CONNECT_TIMEOUT_MS: '1000' }
});
const perIp = useParley({ env: { SOCKET_CONNECTIONS_PER_IP: String(PER_IP) } });

/** A socket (connecting, not awaited) that the kit of the client's server closes at the end. */
function socketOf(client: HttpClient, options: { token?: string } = {}): TestSocket {
	const kit = client.baseUrl === perIp.url ? perIp : perUser;
	return kit.track(client.socket(options));
}

function raw(target: Parley, headers: Record<string, string> = {}): RawSocket {
	return target.track(new RawSocket(target.url, headers));
}

async function tokenOf(client: HttpClient): Promise<string> {
	const created = await client.json<{ token: string }>('/api/v1/tokens', {
		method: 'POST',
		body: { name: 'caps test' }
	});
	return created.body.token;
}

/** Retries a connection until it is accepted: the server frees a slot once it sees the close. */
async function connectsAgain(open: () => TestSocket, attempts = 20): Promise<TestSocket> {
	for (let i = 1; ; i++) {
		const socket = open();
		try {
			await connected(socket);
			return socket;
		} catch (error) {
			if (i === attempts) throw error;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
}

describe(`per user (SOCKET_CONNECTIONS_PER_USER=${PER_USER})`, () => {
	it('counts every session and token of the user together, and refuses the next one', async () => {
		const { http: client, email, password } = await perUser.account();
		const token = await tokenOf(client);
		const secondDevice = new HttpClient(perUser.url);
		expect((await secondDevice.logIn(email, password)).status).toBe(303);

		const open = [socketOf(client), socketOf(secondDevice), socketOf(client, { token })];
		await Promise.all(open.map(connected));
		const extras = [
			() => socketOf(client),
			() => socketOf(secondDevice),
			() => socketOf(client, { token })
		];
		for (const extra of extras) {
			const error = await connectError(extra());
			expect(error.data?.code).toBe('too_many_connections');
			expect(error.message).toBe(
				`You have ${PER_USER} connections open (tabs, devices and scripts together). Close some, then reload.`
			);
		}
		// The ones already open are untouched, and someone else is not affected.
		expect(await ping(open[0], { nonce: 'still here' })).toMatchObject({ ok: true });
		const other = await perUser.account();
		expect(
			await ping(await openSocket(other.http), {
				nonce: 'other'
			})
		).toMatchObject({ ok: true });

		// Closing one gives its slot back.
		open[1].disconnect();
		const again = await connectsAgain(() => socketOf(secondDevice));
		expect(await ping(again, { nonce: 'again' })).toMatchObject({ ok: true });
	});

	it('holds to the cap when many handshakes arrive at once', async () => {
		const { http: client } = await perUser.account();
		const burst = Array.from({ length: 12 }, () => socketOf(client));
		const outcomes = await Promise.all(
			burst.map((socket) =>
				connected(socket).then(
					() => 'connected',
					(error: Error & { data?: { code?: string } }) => error.data?.code
				)
			)
		);
		expect(outcomes.filter((o) => o === 'connected')).toHaveLength(PER_USER);
		expect(outcomes.filter((o) => o === 'too_many_connections')).toHaveLength(12 - PER_USER);
	});
});

/** Retries until the server answers with a reason: it may not have seen earlier closes yet. */
async function reasonGiven(open: () => TestSocket, attempts = 20) {
	for (let i = 1; ; i++) {
		const error = await connectError(open());
		if (error.data?.code || i === attempts) return error;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

describe(`per address (SOCKET_CONNECTIONS_PER_IP=${PER_IP})`, () => {
	it('counts connections that never sign in, refuses the upgrade beyond the cap, tells real clients why', async () => {
		const { http: client } = await perIp.account();
		// Connections that open Engine.IO and never send Socket.IO's CONNECT: the cap, then the
		// slots let in over it; the next upgrade is refused before any connection exists.
		const held = Array.from({ length: PER_IP + REFUSAL_SLOTS }, () => raw(perIp));
		await Promise.all(held.map((socket) => socket.opened()));
		expect(await raw(perIp).refusal()).toEqual({
			status: 400,
			body: 'Too many connections from this address.'
		});

		// With a slot free, a real client over the cap is let in only to hear why, then closed.
		held.pop()?.close();
		const refused = await reasonGiven(() => socketOf(client));
		expect(refused.data?.code).toBe('too_many_connections');
		expect(refused.message).toBe(
			`Too many connections from your network (at most ${PER_IP}). Close some tabs, or ask your admin to raise SOCKET_CONNECTIONS_PER_IP.`
		);

		// Once the held ones are gone, the address connects again.
		for (const socket of held) socket.close();
		const socket = await connectsAgain(() => socketOf(client));
		expect(await ping(socket, { nonce: 'back' })).toMatchObject({ ok: true });
	});
});

describe('connect timeout (SOCKET_CONNECT_TIMEOUT_MS=1000)', () => {
	it('drops a connection that does not sign in in time, keeps one that did', async () => {
		const { http: client } = await perUser.account();
		const signedIn = await perUser.socket(client);
		const silent = raw(perUser);
		await silent.opened();
		expect(await silent.closed).toBeTypeOf('number');
		// The signed-in socket outlived the timeout that closed the silent one.
		expect(signedIn.connected).toBe(true);
		expect(await ping(signedIn, { nonce: 'alive' })).toMatchObject({ ok: true });
	});
});
