import { describe, expect, test } from 'vitest';
import type { ConnectionTest, InstanceView, SyncProgress, SyncRunDto } from '#lib/shared/sync.ts';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import { HttpClient, openSocket, type TestSocket } from './helpers/client.ts';
import { withTestDb } from './helpers/database.ts';
import { addInstance, syncNow } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

let admin: HttpClient;
let member: HttpClient;
let memberToken: string;
let fake: FakeOpenWebUI;
let instance: InstanceView;
/** A fake that is stopped before it is used: an unreachable (but allowed) instance. */
let closed: FakeOpenWebUI;
/** Every response body the admin received, to prove the key never leaves the server. */
const seen: string[] = [];

const server = useParley(
	async () => {
		fake = await FakeOpenWebUI.start();
		closed = await FakeOpenWebUI.start();
		return { fakes: [fake], allow: [closed.url] };
	},
	async (kit) => {
		admin = (await kit.account()).http;
		member = (await kit.account()).http;
		const token = await member.json<{ token: string }>('/api/v1/tokens', {
			method: 'POST',
			body: { name: 'bot' }
		});
		memberToken = token.body.token;
		new World(fake.data, 3).populate({ users: 3, chatsPerUser: 2 });
		instance = await addInstance(admin, fake, { name: 'Main' });
		seen.push(JSON.stringify(instance));
	}
);

async function asAdmin<T>(path: string, init: { method?: string; body?: unknown } = {}) {
	const response = await admin.json<T>(path, init);
	seen.push(JSON.stringify(response.body));
	return response;
}

describe('who may see and do what', () => {
	const routes = () => [
		['GET', '/api/v1/admin/instances'],
		['POST', '/api/v1/admin/instances'],
		['GET', `/api/v1/admin/instances/${instance.id}`],
		['PATCH', `/api/v1/admin/instances/${instance.id}`],
		['DELETE', `/api/v1/admin/instances/${instance.id}`],
		['POST', `/api/v1/admin/instances/${instance.id}/test`],
		['POST', `/api/v1/admin/instances/${instance.id}/sync`],
		['DELETE', `/api/v1/admin/instances/${instance.id}/sync`],
		['GET', `/api/v1/admin/instances/${instance.id}/runs`]
	];

	test('members get 403 on every instance endpoint, by cookie or token; strangers 401', async () => {
		const stranger = new HttpClient(server.url);
		for (const [method, path] of routes()) {
			const body = method === 'GET' || method === 'DELETE' ? undefined : {};
			expect((await member.json(path, { method, body })).status, `${method} ${path}`).toBe(403);
			expect((await member.json(path, { method, body, token: memberToken })).status).toBe(403);
			expect((await stranger.json(path, { method, body })).status).toBe(401);
		}
		const page = await member.request('/admin/instances');
		expect(page.status).toBe(403);
		// Nothing was started or changed by any of it.
		expect(
			(await asAdmin<{ runs: SyncRunDto[] }>(`/api/v1/admin/instances/${instance.id}/runs`)).body
				.runs
		).toEqual([]);
	});

	test('sync events reach admins only, and never carry the key', async () => {
		const adminSocket = await openSocket(admin);
		const memberSocket = await openSocket(member);
		const events: { name: string; payload: SyncRunDto | SyncProgress }[] = [];
		const leaked: string[] = [];
		adminSocket.on('sync:run', (run) => events.push({ name: 'run', payload: run }));
		adminSocket.on('sync:progress', (p) => events.push({ name: 'progress', payload: p }));
		for (const name of ['sync:run', 'sync:progress'] as const) {
			(memberSocket as TestSocket).on(name, () => leaked.push(name));
		}
		const run = await syncNow(admin, instance.id);
		expect(run.status).toBe('succeeded');
		await expect.poll(() => events.filter((e) => e.name === 'run').length).toBe(2);
		const runs = events.filter((e) => e.name === 'run').map((e) => e.payload as SyncRunDto);
		expect(runs.map((r) => r.status)).toEqual(['running', 'succeeded']);
		const last = events.filter((e) => e.name === 'progress').at(-1)?.payload as SyncProgress;
		expect(last).toMatchObject({ runId: run.id, status: 'succeeded' });
		expect(last.entities.users).toMatchObject({ state: 'done', added: 3 });
		expect(leaked).toEqual([]);
		seen.push(JSON.stringify(events));
		adminSocket.disconnect();
		memberSocket.disconnect();
	});
});

describe('connection test', () => {
	async function testWith(fields: Record<string, unknown>): Promise<ConnectionTest> {
		const created = await addInstance(admin, fake, fields);
		const { body } = await asAdmin<ConnectionTest>(`/api/v1/admin/instances/${created.id}/test`, {
			method: 'POST'
		});
		return body;
	}

	test('reports the version and the key’s account', async () => {
		const { body } = await asAdmin<ConnectionTest>(`/api/v1/admin/instances/${instance.id}/test`, {
			method: 'POST'
		});
		expect(body).toEqual({
			ok: true,
			version: '0.11.0',
			account: { name: 'Owui Admin', email: 'admin@owui.test', role: 'admin' },
			users: 3
		});
		expect(
			(await asAdmin<{ instance: InstanceView }>(`/api/v1/admin/instances/${instance.id}`)).body
				.instance.version
		).toBe('0.11.0');
	});

	test('gives a precise reason for each failure', async () => {
		const deadUrl = closed.url;
		await closed.close();
		expect(await testWith({ baseUrl: deadUrl })).toMatchObject({
			ok: false,
			code: 'unreachable',
			reason: expect.stringMatching(
				/^Could not reach 127\.0\.0\.1:\d+: could not reach the instance \(ECONNREFUSED\)/
			) as string
		});
		expect(await testWith({ baseUrl: `${fake.url}/chat` })).toMatchObject({
			ok: false,
			code: 'not_api',
			reason: expect.stringMatching(
				/answers with a web page \(HTML, status 200\), not Open WebUI’s API/
			) as string
		});
		expect(await testWith({ apiKey: 'sk-not-a-key' })).toMatchObject({
			ok: false,
			code: 'key_refused',
			reason: expect.stringMatching(/refused the API key \(401\)/) as string
		});
		expect(await testWith({ apiKey: fake.options.userKey })).toMatchObject({
			ok: false,
			code: 'not_admin',
			reason:
				'The API key belongs to Owui User (user@owui.test), whose role is “user”. Sync needs the key of an admin account.'
		});
		expect(await testWith({ apiKey: fake.options.restrictedKey })).toMatchObject({
			ok: false,
			code: 'not_admin'
		});
	});
});

describe('managing instances', () => {
	test('validates input and refuses duplicate names', async () => {
		const bad = await asAdmin<{ error: { code: string; fields: Record<string, string> } }>(
			'/api/v1/admin/instances',
			{ method: 'POST', body: { name: '', baseUrl: 'ftp://x', apiKey: '' } }
		);
		expect(bad.status).toBe(400);
		expect(Object.keys(bad.body.error.fields).sort()).toEqual(['apiKey', 'baseUrl', 'name']);
		const api = await asAdmin<{ error: { fields: Record<string, string> } }>(
			'/api/v1/admin/instances',
			{
				method: 'POST',
				body: { name: 'x', baseUrl: `${fake.url}/api/v1`, apiKey: 'k' }
			}
		);
		expect(api.body.error.fields.baseUrl).toMatch(/without \/api/);
		const twice = await asAdmin('/api/v1/admin/instances', {
			method: 'POST',
			body: { name: 'Main', baseUrl: fake.url, apiKey: 'k' }
		});
		expect(twice.status).toBe(409);
	});

	test('editing keeps the stored key unless a new one is sent; a rename renames imported usage', async () => {
		const edited = await asAdmin<InstanceView>(`/api/v1/admin/instances/${instance.id}`, {
			method: 'PATCH',
			body: { name: 'Main renamed', intervalMinutes: 30, scheduled: true }
		});
		expect(edited.body).toMatchObject({
			name: 'Main renamed',
			intervalMinutes: 30,
			hasApiKey: true
		});
		expect(edited.body.nextSyncAt).not.toBeNull();
		expect((await syncNow(admin, instance.id)).status).toBe('succeeded');
		const names = await withTestDb(server, (db) =>
			db.all(
				'SELECT DISTINCT "providerName" FROM "UsageRecord" WHERE "instanceId" = ?',
				instance.id
			)
		);
		expect(names).toEqual([{ providerName: 'Main renamed' }]);
		await asAdmin(`/api/v1/admin/instances/${instance.id}`, {
			method: 'PATCH',
			body: { apiKey: 'sk-changed' }
		});
		expect((await syncNow(admin, instance.id)).error).toMatch(/refused the API key/);
		await asAdmin(`/api/v1/admin/instances/${instance.id}`, {
			method: 'PATCH',
			body: { apiKey: fake.options.adminKey }
		});
	});

	test('the API key is never sent back, in any response or event', async () => {
		const { body } = await asAdmin<{ instances: InstanceView[] }>('/api/v1/admin/instances');
		for (const view of body.instances) {
			expect(Object.keys(view)).not.toContain('apiKey');
			expect(view.hasApiKey).toBe(true);
		}
		const all = seen.join('\n');
		expect(all.length).toBeGreaterThan(1000);
		for (const key of [fake.options.adminKey, fake.options.userKey, 'sk-changed', 'sk-not-a-key']) {
			expect(all).not.toContain(key);
		}
	});

	test('deleting an instance removes everything imported from it', async () => {
		const gone = await asAdmin(`/api/v1/admin/instances/${instance.id}`, { method: 'DELETE' });
		expect(gone.status).toBe(204);
		await withTestDb(server, async (db) => {
			for (const table of [
				'InstanceUser',
				'InstanceChat',
				'InstanceMessage',
				'InstanceItem',
				'UsageRecord',
				'SyncRun'
			]) {
				const row = await db.get<{ n: number }>(
					`SELECT count(*) AS n FROM "${table}" WHERE "instanceId" = ?`,
					instance.id
				);
				expect(row?.n, table).toBe(0);
			}
		});
		expect((await asAdmin(`/api/v1/admin/instances/${instance.id}`)).status).toBe(404);
	});
});
