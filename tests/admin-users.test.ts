import { describe, expect, it } from 'vitest';
import {
	type Account,
	HttpClient,
	connectError,
	disconnected,
	nextEvent,
	openSocket
} from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import { useParley } from './helpers/kit.ts';

interface ListedUser {
	id: string;
	email: string;
	displayName: string;
	role: string;
	status: string;
}

let admin: Account;
const server = useParley({}, async (kit) => {
	admin = await kit.account('Root Admin');
});

const patchUser = (client: HttpClient, id: string, body: unknown) =>
	client.json<{ user: ListedUser }>(`/api/v1/admin/users/${id}`, { method: 'PATCH', body });

describe('the last admin', () => {
	it('cannot be demoted, deactivated or put back to pending (409)', async () => {
		for (const change of [{ role: 'user' }, { status: 'deactivated' }, { status: 'pending' }]) {
			const response = await patchUser(admin.http, admin.id, change);
			expect(response).toMatchObject({
				status: 409,
				body: { error: { code: 'conflict', message: 'Parley needs at least one active admin.' } }
			});
		}
		expect((await admin.http.json('/api/v1/me')).body).toMatchObject({
			user: { role: 'admin', status: 'active' }
		});
	});
});

describe('listing users', () => {
	it('lists everyone without secrets and searches by email or name', async () => {
		const zelda = await server.account('Zelda Quux');
		await server.account('Somebody Else');
		const all = await admin.http.json<{ users: ListedUser[]; total: number }>(
			'/api/v1/admin/users'
		);
		expect(all.status).toBe(200);
		expect(all.body).toMatchObject({ page: 1, pageSize: 50 });
		expect(all.body.total).toBe(all.body.users.length);
		expect(all.body.users.map((u) => u.email)).toEqual(
			expect.arrayContaining([admin.email, zelda.email])
		);
		expect(JSON.stringify(all.body)).not.toMatch(/passwordHash|argon2/);

		const byName = await admin.http.json<{ users: ListedUser[]; total: number }>(
			'/api/v1/admin/users?q=quux'
		);
		expect(byName.body.users.map((u) => u.id)).toEqual([zelda.id]);
		expect(byName.body.total).toBe(1);
		const byEmail = await admin.http.json<{ users: ListedUser[] }>(
			`/api/v1/admin/users?q=${encodeURIComponent(zelda.email.toUpperCase())}`
		);
		expect(byEmail.body.users.map((u) => u.id)).toEqual([zelda.id]);
		const none = await admin.http.json('/api/v1/admin/users?q=no-such-person');
		expect(none.body).toMatchObject({ users: [], total: 0 });
	});
});

describe('roles', () => {
	it('promotes and demotes, and the user sees it live and in what they may do', async () => {
		const bo = await server.account('Bo');
		const socket = await openSocket(bo.http);
		expect((await bo.http.json('/api/v1/admin/users')).status).toBe(403);

		const updated = nextEvent(socket, 'user:updated');
		const promoted = await patchUser(admin.http, bo.id, { role: 'admin' });
		expect(promoted).toMatchObject({ status: 200, body: { user: { id: bo.id, role: 'admin' } } });
		expect(await updated).toMatchObject({ id: bo.id, role: 'admin' });
		expect((await bo.http.json('/api/v1/admin/users')).status).toBe(200);

		// With two admins, one may step down; then the other is the last and may not.
		expect((await patchUser(bo.http, admin.id, { role: 'user' })).status).toBe(200);
		expect((await admin.http.json('/api/v1/admin/users')).status).toBe(403);
		expect((await patchUser(bo.http, bo.id, { role: 'user' })).status).toBe(409);
		expect((await patchUser(bo.http, admin.id, { role: 'admin' })).status).toBe(200);

		const demoted = await patchUser(admin.http, bo.id, { role: 'user' });
		expect(demoted.body.user.role).toBe('user');
		expect((await bo.http.json('/api/v1/admin/users')).status).toBe(403);
		socket.disconnect();
	});

	it('validates changes and answers 404 for an unknown user', async () => {
		const { id } = await server.account();
		const bad = await patchUser(admin.http, id, { role: 'owner', status: 'gone' });
		expect(bad).toMatchObject({
			status: 400,
			body: {
				error: {
					code: 'validation',
					fields: {
						role: 'Role must be admin or user.',
						status: 'Status must be active, pending or deactivated.'
					}
				}
			}
		});
		const missing = await patchUser(admin.http, 'no-such-id', { role: 'admin' });
		expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
	});
});

describe('who may use the admin API', () => {
	it('answers 403 to members (cookie or token) and 401 to anonymous callers', async () => {
		const member = await server.account();
		const { body } = await member.http.json<{ token: string }>('/api/v1/tokens', {
			method: 'POST',
			body: { name: 'member bot' }
		});
		const calls: [string, string, unknown?][] = [
			['GET', '/api/v1/admin/users'],
			['GET', '/api/v1/admin/users?q=a'],
			['PATCH', `/api/v1/admin/users/${member.id}`, { role: 'admin' }],
			['PATCH', `/api/v1/admin/users/${admin.id}`, { status: 'deactivated' }],
			['GET', '/api/v1/admin/settings'],
			['PATCH', '/api/v1/admin/settings', { requireApproval: true }]
		];
		for (const [method, path, payload] of calls) {
			const asMember = await member.http.json(path, { method, body: payload });
			expect(asMember, `${method} ${path}`).toMatchObject({
				status: 403,
				body: { error: { code: 'forbidden' } }
			});
			const asBot = await new HttpClient(server.url).json(path, {
				method,
				body: payload,
				token: body.token
			});
			expect(asBot.status, `${method} ${path} with a token`).toBe(403);
			const anonymous = await new HttpClient(server.url).json(path, { method, body: payload });
			expect(anonymous, `${method} ${path} anonymously`).toMatchObject({
				status: 401,
				body: { error: { code: 'unauthorized' } }
			});
		}
		expect((await member.http.json('/api/v1/me')).body).toMatchObject({ user: { role: 'user' } });
		expect((await admin.http.json('/api/v1/admin/settings')).body).toEqual({
			settings: { requireApproval: false }
		});
		expect((await member.http.request('/admin/users')).status).toBe(403);
	});
});

describe('deactivation', () => {
	it('ends every session, socket and token of the user at once and blocks log-in', async () => {
		const target = await server.account('Leaving');
		const phone = new HttpClient(server.url);
		await phone.logIn(target.email, target.password);
		const { body } = await target.http.json<{ token: string }>('/api/v1/tokens', {
			method: 'POST',
			body: { name: 'their bot' }
		});
		const bot = new HttpClient(server.url);
		const sockets = [
			await openSocket(target.http),
			await openSocket(phone),
			await openSocket(bot, { token: body.token })
		];
		const ended = sockets.map((s) => nextEvent(s, 'session:ended'));
		const gone = sockets.map((s) => disconnected(s));

		const response = await patchUser(admin.http, target.id, { status: 'deactivated' });
		expect(response).toMatchObject({ status: 200, body: { user: { status: 'deactivated' } } });
		expect(await Promise.all(ended)).toEqual(Array(3).fill({ reason: 'deactivated' }));
		await Promise.all(gone);

		const left = await withTestDb(server, (db) =>
			db.get('SELECT count(*) AS n FROM "Session" WHERE "userId" = ?', target.id)
		);
		expect(left).toEqual({ n: 0 });
		expect((await target.http.json('/api/v1/me')).status).toBe(401);
		expect((await phone.json('/api/v1/me')).status).toBe(401);
		expect((await bot.json('/api/v1/me', { token: body.token })).status).toBe(401);
		expect((await connectError(bot.socket({ token: body.token }))).message).toBe(
			'The API token is invalid or revoked.'
		);

		const login = await new HttpClient(server.url).logIn(target.email, target.password);
		expect(login.status).toBe(403);
		expect(await login.text()).toContain(
			'This account has been deactivated. Ask an admin to restore it.'
		);
		// A wrong password reveals nothing about the account's state.
		const guess = await new HttpClient(server.url).logIn(target.email, 'wrong password');
		expect(guess.status).toBe(401);

		expect((await patchUser(admin.http, target.id, { status: 'active' })).status).toBe(200);
		const back = new HttpClient(server.url);
		expect((await back.logIn(target.email, target.password)).status).toBe(303);
		expect((await back.json('/api/v1/me')).body).toMatchObject({ user: { status: 'active' } });
	});
});
