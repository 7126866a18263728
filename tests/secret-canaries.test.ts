/**
 * Planted API keys (canaries) for a provider and an Open WebUI instance whose answers quote the key
 * back: in a 401, in a mid-stream error, in a streamed answer, in sync errors. The keys must appear
 * in no REST or socket answer, page, log line, CSV export or error text, and not in plain text in
 * the database file; members see a plain error, admins the (redacted) detail.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import { clientId, ok, rest, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, newChat } from './helpers/chats.ts';
import type { TestSocket } from './helpers/client.ts';
import { addInstance, syncNow } from './helpers/sync.ts';
import { useParley } from './helpers/kit.ts';

const PROVIDER_KEY = 'sk-canary-provider-7d1f0c2b9e';
const INSTANCE_KEY = 'sk-canary-instance-4a8e6b13f5';
const CANARIES = [PROVIDER_KEY, INSTANCE_KEY];

let owui: FakeOpenWebUI;
let admin: TestUser;
let member: TestUser;
let modelId: string;
let providerId: string;
let instanceId: string;
/** Everything any client received: REST bodies, socket events and acks, pages, exports. */
const seen: string[] = [];

function record(socket: TestSocket): void {
	socket.onAny((event: string, ...args: unknown[]) =>
		seen.push(`${event} ${JSON.stringify(args)}`)
	);
}

async function api<T = Record<string, unknown>>(
	user: TestUser,
	method: string,
	path: string,
	body?: unknown
) {
	const response = await rest<T>(user, method, path, body);
	seen.push(JSON.stringify(response.body));
	return response;
}

async function page(user: TestUser, path: string): Promise<string> {
	const response = await user.http.request(path);
	const text = await response.text();
	seen.push(text);
	return text;
}

const server = useParley(
	async () => {
		owui = await FakeOpenWebUI.start({ adminKey: INSTANCE_KEY });
		new World(owui.data, 31).populate({ users: 3, chatsPerUser: 2 });
		return {
			env: { SYNC_RETRY_BASE_MS: '10' },
			fakeProvider: { apiKey: PROVIDER_KEY, echoAuthorization: true },
			fakes: [owui]
		};
	},
	async (kit) => {
		admin = await kit.user('Admin');
		member = await kit.user('Member');
		record(admin.socket);
		record(member.socket);
		modelId = await kit.setUpProvider(admin, PROVIDER_KEY);
		providerId = (await api<{ providers: { id: string }[] }>(admin, 'GET', '/admin/providers')).body
			.providers[0].id;
		instanceId = (await addInstance(admin.http, owui)).id;
	}
);

/** A member's chat turn; returns the final message and the ack. */
async function ask(content: string) {
	const tab = new AnswerAssembler(member.socket);
	const chatId = await newChat(member);
	const sent = await ok(member.socket, 'chat:send', {
		chatId,
		content,
		parentId: null,
		clientId: clientId(),
		modelId
	});
	seen.push(JSON.stringify(sent));
	const done = await tab.final(sent.assistant.id);
	seen.push(JSON.stringify(await ok(member.socket, 'chat:open', { chatId })));
	await page(member, `/chats/${chatId}`);
	return { done, chatId, streamed: tab.texts.get(sent.assistant.id)?.content ?? '' };
}

describe('a provider that quotes the key back', () => {
	it('a 401 gives members a plain error', async () => {
		const { done } = await ask('Hello [[fail=401]]');
		expect(done.status).toBe('error');
		expect(done.error).toBe('The provider refused the API key (401).');
	});

	it('a mid-stream error gives members a plain error and keeps the text', async () => {
		const { done } = await ask('Go [[tokens=4 errorAfter=2]]');
		expect(done).toMatchObject({
			status: 'error',
			error: 'The provider reported an error mid-answer.',
			content: 't0 t1 '
		});
	});

	it('a key streamed in the answer (split across chunks) is redacted for the member', async () => {
		const { done, streamed } = await ask('Leak it [[leak]]');
		expect(done.status).toBe('done');
		expect(done.content).toBe('Your key: Bearer [redacted] ');
		expect(streamed).toBe(done.content);
	});

	it('admins see what the provider said, redacted', async () => {
		await api(admin, 'PATCH', `/admin/providers/${providerId}`, { apiKey: `${PROVIDER_KEY}-old` });
		const tested = await api<{ ok: boolean; reason: string }>(
			admin,
			'POST',
			`/admin/providers/${providerId}/test`
		);
		expect(tested.body.ok).toBe(false);
		expect(tested.body.reason).toBe(
			'The provider refused the API key (401): Incorrect API key provided. You sent "Authorization: Bearer [redacted]".'
		);
		const refreshed = await api<{ error: { message: string } }>(
			admin,
			'POST',
			`/admin/providers/${providerId}/models`
		);
		expect(refreshed.body.error.message).toMatch(/^The provider refused the API key \(401\): /);
		await api(admin, 'PATCH', `/admin/providers/${providerId}`, { apiKey: PROVIDER_KEY });
		expect(
			(await api<{ ok: boolean }>(admin, 'POST', `/admin/providers/${providerId}/test`)).body.ok
		).toBe(true);
	});
});

describe('an instance that quotes the key back', () => {
	it('sync errors and connection tests carry no key', async () => {
		owui.fault({ route: 'chat', status: 500, echo: true });
		owui.fault({ route: 'models', status: 404, echo: true });
		const run = await syncNow(admin.http, instanceId);
		seen.push(JSON.stringify(run));
		expect(run.errors.length).toBeGreaterThan(0);
		expect(JSON.stringify(run.errors)).toContain(
			'Injected 500; you sent Authorization: Bearer [redacted]'
		);
		owui.faults = [];
		owui.fault({ route: 'auths', status: 500, echo: true, times: 10 });
		const tested = await api<{ ok: boolean; reason: string }>(
			admin,
			'POST',
			`/admin/instances/${instanceId}/test`
		);
		expect(tested.body.ok).toBe(false);
		owui.faults = [];
		await api(admin, 'GET', `/admin/instances/${instanceId}/runs`);
		await api(admin, 'GET', `/admin/instances/${instanceId}`);
	});

	it('a plain-text answer from the instance is never echoed', async () => {
		owui.fault({
			route: 'auths',
			status: 500,
			times: 10,
			text: `internal page ${INSTANCE_KEY} secret-internal-body`
		});
		const tested = await api<{ ok: boolean; reason: string }>(
			admin,
			'POST',
			`/admin/instances/${instanceId}/test`
		);
		expect(tested.body).toMatchObject({ ok: false, code: 'server_error' });
		expect(tested.body.reason).toMatch(/the instance failed \(500\)\.$/);
		expect(tested.body.reason).not.toContain('secret-internal-body');
		owui.faults = [];
	});
});

describe('nowhere', () => {
	it('not in REST answers, socket events, pages or CSV exports', async () => {
		await api(admin, 'GET', '/admin/providers');
		await api(admin, 'GET', '/admin/instances');
		for (const path of ['/admin/providers', '/admin/instances', `/admin/instances/${instanceId}`]) {
			await page(admin, path);
		}
		await page(member, '/chats');
		seen.push(JSON.stringify(await ok(member.socket, 'chats:list', {})));
		const { body } = await api<{ reports: { name: string }[] }>(admin, 'GET', '/admin/usage');
		for (const { name } of body.reports) {
			const csv = await admin.http.request(`/api/v1/admin/usage/${name}?format=csv&range=90d`);
			expect(csv.status, name).toBe(200);
			seen.push(await csv.text());
		}
		expect(seen.length).toBeGreaterThan(30);
		for (const canary of CANARIES) {
			const hits = seen.filter((text) => text.includes(canary));
			expect(hits, canary).toEqual([]);
		}
	});

	it('not in the logs', async () => {
		await new Promise((r) => setTimeout(r, 200));
		const output = server.output();
		expect(output).toContain('answer failed: The provider refused the API key (401)');
		for (const canary of CANARIES) expect(output).not.toContain(canary);
	});

	it('not in the database file or its WAL, in any form', () => {
		for (const file of ['parley.db', 'parley.db-wal']) {
			let bytes: Buffer;
			try {
				bytes = readFileSync(`${server.dataDir}/${file}`);
			} catch {
				continue;
			}
			for (const canary of CANARIES) {
				expect(bytes.includes(canary), `${canary} in ${file}`).toBe(false);
				expect(bytes.includes(Buffer.from(canary, 'utf16le')), `${canary} in ${file}`).toBe(false);
			}
		}
	});
});
