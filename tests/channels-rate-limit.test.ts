import { describe, expect, it } from 'vitest';
import { Outbox } from '#lib/client/channels/outbox.ts';
import type { MessageDto } from '#lib/shared/channels.ts';
import type { Ack } from '#lib/shared/errors.ts';
import { call, clientId, ok, type TestUser } from './helpers/channels.ts';
import { drained, socketTransport } from './helpers/transport.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser, bo: TestUser, cy: TestUser, dee: TestUser;
let channelId: string;

const env = {
	CHANNEL_MESSAGES_PER_SECOND: '2',
	CHANNEL_MESSAGE_BURST: '3',
	// The per-connection limit is not under test here.
	SOCKET_EVENTS_PER_SECOND: '10000',
	SOCKET_EVENT_BURST: '100000'
};
const server = useParley({ env }, async (kit) => {
	await kit.account('Admin');
	[ana, bo, cy, dee] = await kit.users('Ana', 'Bo', 'Cy', 'Dee');
	channelId = (
		await ok(dee.socket, 'channel:create', {
			kind: 'public',
			name: 'busy',
			memberIds: [ana.id, bo.id, cy.id]
		})
	).id;
});

async function bodies(): Promise<string[]> {
	const page = await ok(dee.socket, 'channel:history', { channelId, limit: 200 });
	return page.messages.map((m) => m.body);
}

describe('sending too fast', () => {
	it('refuses the excess of a burst with a clear message and keeps the accepted in order', async () => {
		const before = await bodies();
		const attempts = Array.from({ length: 10 }, (_, i) => ({
			channelId,
			clientId: clientId(),
			body: `burst ${i + 1}`
		}));
		const results: Ack<MessageDto>[] = [];
		for (const payload of attempts) results.push(await call(ana.socket, 'message:send', payload));

		// Two a second plus a burst of three: the first five always fit.
		expect(results.slice(0, 5).every((r) => r.ok)).toBe(true);
		const refused = results.filter((r) => !r.ok);
		expect(refused.length).toBeGreaterThan(0);
		for (const r of refused) {
			expect(r).toEqual({
				ok: false,
				error: { code: 'rate_limited', message: expect.stringMatching(/too fast/i) }
			});
		}
		const accepted = attempts.filter((_, i) => results[i].ok).map((a) => a.body);
		expect(await bodies()).toEqual([...before, ...accepted]);

		// A retry of a message that got through is answered, not refused: it costs nothing.
		const retried = await call(ana.socket, 'message:send', attempts[0]);
		expect(retried).toMatchObject({ ok: true, data: { body: 'burst 1' } });
		// The budget is per sender: others are not slowed down.
		await ok(dee.socket, 'message:send', { channelId, clientId: clientId(), body: 'unaffected' });
	});

	it('answers REST with 429 and a Retry-After header', async () => {
		const statuses: number[] = [];
		let limited: Response | undefined;
		for (let i = 0; i < 20 && !limited; i++) {
			const response = await bo.http.request(`/api/v1/channels/${channelId}/messages`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', origin: server.url },
				body: JSON.stringify({ clientId: clientId(), body: `rest ${i}` })
			});
			statuses.push(response.status);
			if (response.status === 429) limited = response;
		}
		expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
		expect(limited?.status).toBe(429);
		expect(await limited?.json()).toEqual({
			error: { code: 'rate_limited', message: expect.stringMatching(/too fast/i) }
		});
		expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
	});

	it('the outbox waits and delivers everything, in order', async () => {
		const before = await bodies();
		const outbox = new Outbox(socketTransport(cy.socket));
		const queued = Array.from({ length: 9 }, (_, i) => `queued ${i + 1}`);
		for (const body of queued) outbox.send(channelId, body);
		await drained(outbox);
		expect(await bodies()).toEqual([...before, ...queued]);
		outbox.destroy();
	});
});
