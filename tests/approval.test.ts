import { describe, expect, it } from 'vitest';
import {
	type Account,
	HttpClient,
	connectError,
	disconnected,
	nextEvent,
	openSocket,
	ping
} from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

const WAITING = 'Your account is waiting for an admin to approve it.';

let admin: Account;
const server = useParley({}, async (kit) => {
	admin = await kit.account('Admin');
});

const setApproval = (requireApproval: unknown) =>
	admin.http.json('/api/v1/admin/settings', { method: 'PATCH', body: { requireApproval } });

describe('workspace settings', () => {
	it('start open, validate changes and keep what the admin sets', async () => {
		expect((await admin.http.json('/api/v1/admin/settings')).body).toEqual({
			settings: { requireApproval: false }
		});
		expect(await setApproval('yes')).toMatchObject({
			status: 400,
			body: { error: { code: 'validation', fields: { requireApproval: expect.any(String) } } }
		});
		expect(await setApproval(true)).toEqual({
			status: 200,
			body: { settings: { requireApproval: true } }
		});
		expect((await admin.http.json('/api/v1/admin/settings')).body).toEqual({
			settings: { requireApproval: true }
		});
	});
});

describe('approval', () => {
	it('keeps a new account pending everywhere until an admin approves it', async () => {
		expect((await setApproval(true)).status).toBe(200);
		const client = new HttpClient(server.url);
		const { response, email, password } = await client.signUp({ displayName: 'Newcomer' });
		expect(response.status).toBe(303);
		expect(client.sessionToken).toBeDefined();

		for (const path of ['/channels', '/', '/settings/tokens']) {
			const page = await client.request(path);
			expect(page.status, path).toBe(303);
			expect(page.headers.get('location'), path).toBe('/pending');
		}
		const pending = await client.request('/pending');
		expect(pending.status).toBe(200);
		expect(await pending.text()).toContain(email);
		const me = await client.json('/api/v1/me');
		expect(me).toEqual({ status: 403, body: { error: { code: 'forbidden', message: WAITING } } });
		const token = await client.json('/api/v1/tokens', { method: 'POST', body: { name: 'x' } });
		expect(token.status).toBe(403);
		const refused = await connectError(client.socket());
		expect(refused.message).toBe(WAITING);
		expect(refused.data?.code).toBe('forbidden');

		// Logging in again changes nothing.
		const again = new HttpClient(server.url);
		expect((await again.logIn(email, password)).status).toBe(303);
		expect((await again.request('/channels')).headers.get('location')).toBe('/pending');

		const list = await admin.http.json<{ users: { id: string; status: string }[] }>(
			`/api/v1/admin/users?q=${encodeURIComponent(email)}`
		);
		expect(list.body.users).toEqual([expect.objectContaining({ status: 'pending' })]);
		const id = list.body.users[0].id;

		const approved = await admin.http.json(`/api/v1/admin/users/${id}`, {
			method: 'PATCH',
			body: { status: 'active' }
		});
		expect(approved).toMatchObject({ status: 200, body: { user: { id, status: 'active' } } });

		expect((await client.request('/channels')).status).toBe(200);
		expect((await client.request('/pending')).headers.get('location')).toBe('/');
		expect((await client.json('/api/v1/me')).body).toMatchObject({
			user: { id, status: 'active', role: 'user' }
		});
		const socket = await openSocket(client);
		expect(await ping(socket, { nonce: 'welcome' })).toMatchObject({ ok: true });
		socket.disconnect();
		expect((await again.json('/api/v1/me')).status).toBe(200);
	});

	it('lets new accounts straight in once the admin turns approval off', async () => {
		expect((await setApproval(false)).status).toBe(200);
		const { http: client } = await server.account();
		expect((await client.json('/api/v1/me')).body).toMatchObject({ user: { status: 'active' } });
		expect((await client.request('/channels')).status).toBe(200);
	});

	it('sends an active user back to waiting, closing their sockets, when an admin sets them pending', async () => {
		const member = await server.account('Member');
		const socket = await openSocket(member.http);
		const ended = nextEvent(socket, 'session:ended');
		const gone = disconnected(socket);
		const changed = await admin.http.json(`/api/v1/admin/users/${member.id}`, {
			method: 'PATCH',
			body: { status: 'pending' }
		});
		expect(changed.status).toBe(200);
		expect(await ended).toEqual({ reason: 'pending_approval' });
		await gone;
		const page = await member.http.request('/channels');
		expect(page.status).toBe(303);
		expect(page.headers.get('location')).toBe('/pending');
		expect((await connectError(member.http.socket())).message).toBe(WAITING);
	});
});
