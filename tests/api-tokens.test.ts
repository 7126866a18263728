import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	HttpClient,
	connectError,
	disconnected,
	nextEvent,
	openSocket,
	ping
} from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import { useParley } from './helpers/kit.ts';

interface Summary {
	id: string;
	name: string;
	prefix: string;
	createdAt: string;
	lastUsedAt: string | null;
}

const server = useParley({}, async (kit) => {
	await kit.account('Admin');
});

async function createToken(client: HttpClient, name = 'CI bot') {
	const response = await client.json<{ token: string; summary: Summary }>('/api/v1/tokens', {
		method: 'POST',
		body: { name }
	});
	expect(response.status).toBe(201);
	return response.body;
}

/** A client with no cookies: what a bot or script is. */
const bot = () => new HttpClient(server.url);

describe('creating and listing tokens', () => {
	it('shows the secret once (prl_…), stores only its hash and never lists it', async () => {
		const { http: client } = await server.account();
		const { token, summary } = await createToken(client, '  Deploy bot  ');
		expect(token).toMatch(/^prl_[a-z2-7]{52}$/);
		expect(summary).toEqual({
			id: expect.any(String),
			name: 'Deploy bot',
			prefix: token.slice(0, 10),
			createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			lastUsedAt: null
		});

		const list = await client.json<{ tokens: Summary[] }>('/api/v1/tokens');
		expect(list.status).toBe(200);
		expect(list.body.tokens).toEqual([summary]);
		const text = JSON.stringify(list.body);
		expect(text).not.toContain(token);
		expect(text).not.toContain(token.slice(10));
		expect(text).not.toMatch(/tokenHash/);

		const row = await withTestDb(server, (db) =>
			db.get('SELECT * FROM "ApiToken" WHERE "id" = ?', summary.id)
		);
		if (!row) throw new Error('the token has no row');
		expect(row.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
		expect(JSON.stringify(row)).not.toContain(token.slice(10));
	});

	it('requires a name and a signed-in user', async () => {
		const { http: client } = await server.account();
		const unnamed = await client.json('/api/v1/tokens', { method: 'POST', body: { name: ' ' } });
		expect(unnamed).toMatchObject({
			status: 400,
			body: { error: { code: 'validation', fields: { name: 'Name the token.' } } }
		});
		const anonymous = await bot().json('/api/v1/tokens', { method: 'POST', body: { name: 'x' } });
		expect(anonymous.status).toBe(401);
		expect((await bot().json('/api/v1/tokens')).status).toBe(401);
	});
});

describe('using a token', () => {
	it('authenticates REST calls as `Authorization: Bearer` without any cookie', async () => {
		const { http: client, id } = await server.account();
		const { token, summary } = await createToken(client);
		const me = await bot().json('/api/v1/me', { token });
		expect(me).toMatchObject({ status: 200, body: { user: { id } } });
		const list = await client.json<{ tokens: Summary[] }>('/api/v1/tokens');
		expect(list.body.tokens.find((t) => t.id === summary.id)?.lastUsedAt).not.toBeNull();

		const tampered = token.slice(0, 20) + (token[20] === 'a' ? 'b' : 'a') + token.slice(21);
		for (const wrong of [tampered, 'prl_nope', token.slice(4), `${token}x`]) {
			const response = await bot().json('/api/v1/me', { token: wrong });
			expect(response).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
		}
	});

	it('authenticates a Socket.IO handshake with `auth: { token }`', async () => {
		const { http: client } = await server.account();
		const { token } = await createToken(client);
		const socket = await openSocket(bot(), { token });
		expect(await ping(socket, { nonce: 'bot' })).toMatchObject({
			ok: true,
			data: { nonce: 'bot', serverTime: expect.any(Number) }
		});
		socket.disconnect();
		const error = await connectError(bot().socket({ token: 'prl_forged' }));
		expect(error.message).toBe('The API token is invalid or revoked.');
	});
});

describe('revoking a token', () => {
	it('answers 204, then the token fails on REST and its socket is told and disconnected', async () => {
		const { http: client } = await server.account();
		const { token, summary } = await createToken(client);
		const { token: otherToken } = await createToken(client, 'other');
		const socket = await openSocket(bot(), { token });
		const otherSocket = await openSocket(bot(), { token: otherToken });
		const cookieSocket = await openSocket(client);

		const ended = nextEvent(socket, 'session:ended');
		const gone = disconnected(socket);
		const response = await client.request(`/api/v1/tokens/${summary.id}`, {
			method: 'DELETE',
			headers: { origin: client.origin }
		});
		expect(response.status).toBe(204);
		expect(await response.text()).toBe('');
		expect(await ended).toEqual({ reason: 'revoked' });
		await gone;

		expect((await bot().json('/api/v1/me', { token })).status).toBe(401);
		const refused = await connectError(bot().socket({ token }));
		expect(refused.message).toBe('The API token is invalid or revoked.');
		const list = await client.json<{ tokens: Summary[] }>('/api/v1/tokens');
		expect(list.body.tokens.map((t) => t.name)).toEqual(['other']);

		// Only that token's connections end.
		expect(await ping(otherSocket, { nonce: 'a' })).toMatchObject({ ok: true });
		expect(await ping(cookieSocket, { nonce: 'b' })).toMatchObject({ ok: true });
		otherSocket.disconnect();
		cookieSocket.disconnect();
	});

	it('lets a script revoke a token with the bearer token alone', async () => {
		const { http: client } = await server.account();
		const { token, summary } = await createToken(client);
		const response = await bot().json(`/api/v1/tokens/${summary.id}`, {
			method: 'DELETE',
			token
		});
		expect(response.status).toBe(204);
		expect((await bot().json('/api/v1/me', { token })).status).toBe(401);
	});

	it('answers 404 to someone else’s token id and leaves the token working', async () => {
		const { http: owner } = await server.account();
		const { http: intruder } = await server.account();
		const { token, summary } = await createToken(owner);
		const response = await intruder.json(`/api/v1/tokens/${summary.id}`, { method: 'DELETE' });
		expect(response).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
		const { token: intruderToken } = await createToken(intruder);
		const viaToken = await bot().json(`/api/v1/tokens/${summary.id}`, {
			method: 'DELETE',
			token: intruderToken
		});
		expect(viaToken.status).toBe(404);
		expect((await bot().json('/api/v1/me', { token })).status).toBe(200);
		const unknown = await owner.json('/api/v1/tokens/not-a-token', { method: 'DELETE' });
		expect(unknown.status).toBe(404);
	});
});
