/**
 * PostgreSQL restarting under a running Parley: while it is down, requests and socket events are
 * answered `unavailable` (503) at once instead of hanging or crashing the process; once it is back,
 * the pool reconnects by itself and the browser's outbox delivers what it queued, and every
 * acknowledged message is in the channel. On a cluster of the test's own: the suite's shared
 * cluster must not be stopped under the other test files.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Outbox } from '#lib/client/channels/outbox.ts';
import type { MessageDto } from '#lib/shared/channels.ts';
import { call, clientId, newUser, ok, RELAXED_LIMITS, rest } from './helpers/channels.ts';
import { connected, connectError } from './helpers/client.ts';
import { TEST_DB } from './helpers/database.ts';
import { until } from './helpers/notes.ts';
import { startPostgresCluster, type PostgresCluster } from '../scripts/lib/postgres-cluster.ts';
import { disposeServer, startServer, type TestServer } from './helpers/server.ts';
import { drained, socketTransport } from './helpers/transport.ts';

let cluster: PostgresCluster | undefined;
let server: TestServer | undefined;

afterAll(async () => {
	await disposeServer(server);
	await cluster?.dispose();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(TEST_DB !== 'postgres')('a PostgreSQL restart while clients send', () => {
	it('answers unavailable while it is down, recovers on its own, and keeps every acknowledged message', async () => {
		cluster = await startPostgresCluster();
		const databaseUrl = await cluster.createDatabase('parley_restart');
		server = await startServer({ env: { ...RELAXED_LIMITS, DATABASE_URL: databaseUrl } });
		const ana = await newUser(server.url, 'Ana');
		const channel = await ok(ana.socket, 'channel:create', {
			kind: 'public',
			name: 'restart',
			memberIds: []
		});

		// A client sending one message after the other for the whole test, recording every ack.
		const acked: MessageDto[] = [];
		const refusals: { code: string; down: boolean }[] = [];
		let down = false;
		let sending = true;
		const sender = (async () => {
			for (let i = 0; sending; i++) {
				const started = Date.now();
				const result = await call(ana.socket, 'message:send', {
					channelId: channel.id,
					clientId: clientId(),
					body: `steady ${i}`,
					parentId: null
				});
				// Well under the socket ack timeout: an outage is answered, not waited out.
				expect(Date.now() - started).toBeLessThan(8000);
				if (result.ok) acked.push(result.data);
				else refusals.push({ code: result.error.code, down });
				await sleep(25);
			}
		})();
		await until(() => acked.length >= 10, 'sends before the restart');

		// The browser's outbox, in another tab: what it queues while the database is down goes out
		// once it is back, without anyone pressing retry.
		const tab = ana.http.socket();
		await connected(tab);
		const delivered: MessageDto[] = [];
		const outbox = new Outbox(socketTransport(tab), { onSent: (m) => delivered.push(m) });

		await cluster.stop();
		down = true;
		const ackedBefore = acked.length;
		const queued = ['queued 1', 'queued 2', 'queued 3'].map((body) =>
			outbox.send(channel.id, body)
		);

		// A socket connecting now is refused as `unavailable` (the client retries those), not as a
		// fault.
		const late = ana.http.socket();
		const refused = await connectError(late);
		late.disconnect();
		expect(refused.data?.code).toBe('unavailable');

		await until(
			() => refusals.filter((r) => r.code === 'unavailable').length >= 3,
			'unavailable acks while the database is down',
			20_000
		);
		const health = await fetch(`${server.url}/healthz`);
		expect(health.status).toBe(503);
		expect(await health.json()).toMatchObject({ status: 'degraded', database: 'error' });
		const listed = await rest(ana, 'GET', '/channels');
		expect(listed.status).toBe(503);
		expect(listed.body).toMatchObject({ error: { code: 'unavailable' } });
		const page = await ana.http.request('/channels');
		expect(page.status).toBe(503);
		expect(page.headers.get('retry-after')).toBe('2');

		await cluster.start();
		down = false;
		await until(() => acked.length >= ackedBefore + 10, 'sends after the restart', 30_000);
		await Promise.race([
			drained(outbox),
			sleep(30_000).then(() => {
				throw new Error('the outbox did not deliver after the restart');
			})
		]);
		sending = false;
		await sender;
		outbox.destroy();
		tab.disconnect();

		// The only refusals were `unavailable`, all while the database was down (or on the send
		// that was in flight when it came back).
		expect(refusals.length).toBeGreaterThanOrEqual(3);
		expect(refusals.filter((r) => r.code !== 'unavailable')).toEqual([]);
		expect(delivered.map((m) => m.body)).toEqual(queued.map((item) => item.body));

		// A new connection works again; everything acknowledged is there, once; the process never
		// went down.
		const after = ana.http.socket();
		await connected(after);
		after.disconnect();
		expect(server.process.exitCode).toBeNull();
		expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
		const changes = await ok(ana.socket, 'channel:sync', { channelId: channel.id, since: 0 });
		const stored = new Map(changes.messages.map((m) => [m.id, m.body]));
		for (const message of [...acked, ...delivered]) {
			expect(stored.get(message.id)).toBe(message.body);
		}
		expect(new Set(changes.messages.map((m) => m.seq)).size).toBe(changes.messages.length);
		ana.socket.disconnect();
	}, 120_000);
});
