import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import type { HttpClient } from './helpers/client.ts';
import { newUser, type TestUser } from './helpers/channels.ts';
import { allowOutbound, disposeServer, startServer, type TestServer } from './helpers/server.ts';

// Every DELETE of the API, twice at once: on PostgreSQL both requests find the row before either
// removes it, so the second must answer as if it came a moment later (the thing is gone), never 500,
// and nothing is removed twice.
let server: TestServer;
let fake: FakeOpenWebUI;
let admin: TestUser;

beforeAll(async () => {
	fake = await FakeOpenWebUI.start();
	server = await startServer({ env: allowOutbound(fake.url) });
	admin = await newUser(server.url, 'Admin');
});
afterAll(async () => {
	admin?.socket.disconnect();
	await disposeServer(server);
	await fake?.close();
});

async function deleteTwice(http: HttpClient, path: string): Promise<number[]> {
	const results = await Promise.all([
		http.json(path, { method: 'DELETE' }),
		http.json(path, { method: 'DELETE' })
	]);
	return results.map((result) => result.status).sort();
}

/** One of the two did it; the other found it gone (or, where deleting is idempotent, done). */
function expectOneRemoval(statuses: number[], gone: number[] = [404]) {
	expect(statuses.every((status) => status < 500)).toBe(true);
	expect(statuses[0]).toBeLessThan(300);
	expect([...gone, statuses[0]]).toContain(statuses[1]);
}

describe('deleting one thing twice at once', () => {
	it('an API token', async () => {
		for (let round = 0; round < 5; round++) {
			const { body } = await admin.http.json<{ summary: { id: string } }>('/api/v1/tokens', {
				method: 'POST',
				body: { name: `bot ${round}` }
			});
			expectOneRemoval(await deleteTwice(admin.http, `/api/v1/tokens/${body.summary.id}`));
		}
		expect((await admin.http.json<{ tokens: unknown[] }>('/api/v1/tokens')).body.tokens).toEqual(
			[]
		);
	});

	it('an Open WebUI instance', async () => {
		for (let round = 0; round < 5; round++) {
			const { status, body } = await admin.http.json<{ id: string }>('/api/v1/admin/instances', {
				method: 'POST',
				body: { name: `Instance ${round}`, baseUrl: fake.url, apiKey: 'k' }
			});
			expect(status).toBe(201);
			expectOneRemoval(await deleteTwice(admin.http, `/api/v1/admin/instances/${body.id}`));
		}
	});

	it('a note (to the trash)', async () => {
		for (let round = 0; round < 5; round++) {
			const { body } = await admin.http.json<{ id: string }>('/api/v1/notes', {
				method: 'POST',
				body: { title: `Note ${round}` }
			});
			expectOneRemoval(await deleteTwice(admin.http, `/api/v1/notes/${body.id}`), [404, 409]);
		}
	});

	it('a channel message', async () => {
		const { body: channel } = await admin.http.json<{ id: string }>('/api/v1/channels', {
			method: 'POST',
			body: { kind: 'public', name: 'races' }
		});
		for (let round = 0; round < 5; round++) {
			const { body } = await admin.http.json<{ id: string }>(
				`/api/v1/channels/${channel.id}/messages`,
				{ method: 'POST', body: { clientId: `race-message-${round}`, body: `hello ${round}` } }
			);
			expectOneRemoval(await deleteTwice(admin.http, `/api/v1/messages/${body.id}`), [404, 409]);
		}
	});
});
