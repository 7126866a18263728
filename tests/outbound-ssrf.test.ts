/**
 * Server-side request forgery: every way an admin-given URL could reach an internal service, through
 * the real server (URL parser, save-time checks, the guarded connect path, redirects), against a
 * canary HTTP server on 127.0.0.1 that counts the connections it accepts. Only what OUTBOUND_ALLOW
 * lists may be reached, and only on its port.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import type { FakeOpenAI } from './fakes/openai.ts';
import { clientId, ok, rest, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, newChat, setUpProvider } from './helpers/chats.ts';
import { withTestDb } from './helpers/database.ts';
import { addInstance, syncNow } from './helpers/sync.ts';
import { newParley, useParley } from './helpers/kit.ts';

/** An HTTP server on 127.0.0.1 counting accepted connections and requests. */
async function httpServer(handler: http.RequestListener) {
	let accepted = 0;
	let requests = 0;
	const server = http.createServer((req, res) => {
		requests++;
		handler(req, res);
	});
	server.on('connection', () => accepted++);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		get accepted() {
			return accepted;
		},
		get requests() {
			return requests;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

let canary: Awaited<ReturnType<typeof httpServer>>;
let redirector: Awaited<ReturnType<typeof httpServer>>;
let fake: FakeOpenAI;
let owui: FakeOpenWebUI;
let admin: TestUser;
/** Where the redirector sends every request (its path appended), with which status. */
let redirect = { status: 302, to: '' };
let C: number;

// The canary is started here but not allowed: the server must not reach it.
const server = useParley(
	async () => {
		canary = await httpServer((_, res) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"data":[{"id":"internal-secret-model"}],"version":"internal"}');
		});
		C = canary.port;
		redirector = await httpServer((req, res) => {
			res.writeHead(redirect.status, { location: `${redirect.to}${req.url ?? ''}` }).end();
		});
		owui = await FakeOpenWebUI.start();
		return { fakeProvider: true, fakes: [owui], allow: [redirector.port] };
	},
	async (kit) => {
		kit.own(canary);
		kit.own(redirector);
		fake = kit.provider;
		admin = await kit.user('Admin');
	}
);

let counter = 0;
const unique = (what: string) => `${what} ${++counter}`;

async function createProvider(baseUrl: string, apiKey = '') {
	return rest<{
		id: string;
		error?: { code: string; message: string; fields?: { baseUrl?: string } };
	}>(admin, 'POST', '/admin/providers', { name: unique('p'), baseUrl, apiKey });
}

async function testProvider(id: string) {
	return (
		await rest<{ ok: boolean; reason?: string }>(admin, 'POST', `/admin/providers/${id}/test`)
	).body;
}

/** Points a saved row at a URL as a row saved before this guard existed would be. */
async function repoint(table: 'Provider' | 'Instance', id: string, baseUrl: string) {
	const changed = await withTestDb(server, (db) =>
		db.run(`UPDATE "${table}" SET "baseUrl" = ? WHERE "id" = ?`, baseUrl, id)
	);
	expect(changed).toBe(1);
}

const ALLOW = (entry: string) =>
	new RegExp(`; to allow it, add ${entry.replace(/[.[\]]/g, '\\$&')} to OUTBOUND_ALLOW\\.$`);
const NEVER = /; Parley never connects there, whatever OUTBOUND_ALLOW says\.$/;

describe('saving a URL that points inside is refused, naming the setting', () => {
	const loopback = (host: string) => `http://${host}:${C}/v1`;
	it.each([
		['dotted', () => loopback('127.0.0.1'), () => ALLOW(`127.0.0.1:${C}`)],
		['decimal', () => loopback('2130706433'), () => ALLOW(`127.0.0.1:${C}`)],
		['hex', () => loopback('0x7f000001'), () => ALLOW(`127.0.0.1:${C}`)],
		['octal', () => loopback('0177.0.0.1'), () => ALLOW(`127.0.0.1:${C}`)],
		['mixed hex octet', () => loopback('0x7f.0.0.1'), () => ALLOW(`127.0.0.1:${C}`)],
		['two parts', () => loopback('127.1'), () => ALLOW(`127.0.0.1:${C}`)],
		['three parts', () => loopback('127.0.1'), () => ALLOW(`127.0.0.1:${C}`)],
		['octal long', () => loopback('017700000001'), () => ALLOW(`127.0.0.1:${C}`)],
		['percent-encoded', () => loopback('%31%32%37.0.0.1'), () => ALLOW(`127.0.0.1:${C}`)],
		['full-width digits', () => loopback('１２７.０.０.１'), () => ALLOW(`127.0.0.1:${C}`)],
		['another loopback', () => loopback('127.0.0.2'), () => ALLOW(`127.0.0.2:${C}`)],
		['IPv6 loopback', () => loopback('[::1]'), () => ALLOW(`[::1]:${C}`)],
		['IPv6 loopback, long', () => loopback('[0:0:0:0:0:0:0:1]'), () => ALLOW(`[::1]:${C}`)],
		['IPv4-mapped', () => loopback('[::ffff:127.0.0.1]'), () => ALLOW(`127.0.0.1:${C}`)],
		['IPv4-mapped, hex', () => loopback('[::ffff:7f00:1]'), () => ALLOW(`127.0.0.1:${C}`)],
		[
			'IPv4-mapped, long',
			() => loopback('[0:0:0:0:0:ffff:127.0.0.1]'),
			() => ALLOW(`127.0.0.1:${C}`)
		],
		['NAT64', () => loopback('[64:ff9b::127.0.0.1]'), () => /a loopback address/],
		['6to4', () => loopback('[2002:7f00:1::]'), () => /a loopback address/],
		['IPv4-compatible', () => loopback('[::127.0.0.1]'), () => /not a global IPv6 unicast address/],
		['localhost', () => loopback('localhost'), () => ALLOW(`localhost:${C}`)],
		['LOCALHOST.', () => loopback('LOCALHOST.'), () => ALLOW(`localhost.:${C}`)],
		['a .localhost name', () => loopback('evil.localhost'), () => ALLOW(`evil.localhost:${C}`)],
		[
			'backslash before @',
			() => `http://127.0.0.1\\@example.com:${C}/v1`,
			() => /a loopback address/
		],
		['0.0.0.0', () => loopback('0.0.0.0'), () => NEVER],
		['0', () => loopback('0'), () => NEVER],
		['[::]', () => loopback('[::]'), () => NEVER],
		['private 10/8', () => 'http://10.0.0.1:8080/v1', () => ALLOW('10.0.0.1:8080')],
		['private 172.16/12', () => 'http://172.16.5.4/v1', () => ALLOW('172.16.5.4:80')],
		['private 192.168/16', () => 'https://192.168.1.10/v1', () => ALLOW('192.168.1.10:443')],
		['CGNAT', () => 'http://100.64.0.1/v1', () => ALLOW('100.64.0.1:80')],
		['IPv6 unique local', () => 'http://[fd00::1]/v1', () => ALLOW('[fd00::1]:80')],
		['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', () => NEVER],
		['metadata, decimal', () => 'http://2852039166/', () => NEVER],
		['metadata, IPv4-mapped', () => 'http://[::ffff:169.254.169.254]/', () => NEVER],
		['AWS IPv6 metadata', () => 'http://[fd00:ec2::254]/', () => NEVER],
		['link-local', () => 'http://169.254.10.1/', () => NEVER],
		['IPv6 link-local', () => 'http://[fe80::1]/', () => NEVER],
		['multicast', () => 'http://224.0.0.1/', () => NEVER],
		['broadcast', () => 'http://255.255.255.255/', () => NEVER],
		['IPv6 multicast', () => 'http://[ff02::1]/', () => NEVER]
	])('%s', async (_, url, message) => {
		const provider = await createProvider(url());
		expect(provider.status).toBe(400);
		expect(provider.body.error?.fields?.baseUrl).toMatch(message());
		const instance = await rest<{ error: { fields: { baseUrl: string } } }>(
			admin,
			'POST',
			'/admin/instances',
			{ name: unique('i'), baseUrl: url().replace(/\/v1$/, ''), apiKey: 'sk-admin-0123456789' }
		);
		expect(instance.status).toBe(400);
		expect(instance.body.error.fields.baseUrl).toMatch(message());
	});

	it.each([
		['user and password', () => `http://user:pass@127.0.0.1:${redirector.port}/v1`],
		['an allowed host as user', () => `http://127.0.0.1:${redirector.port}@127.0.0.1:${C}/v1`],
		['file:', () => 'file:///etc/passwd'],
		['gopher:', () => `gopher://127.0.0.1:${C}/_GET`],
		['ftp:', () => `ftp://127.0.0.1:${C}/`],
		['data:', () => 'data:text/plain,hello']
	])('a URL with %s', async (_, url) => {
		const provider = await createProvider(url());
		expect(provider.status).toBe(400);
		expect(provider.body.error?.fields?.baseUrl).toMatch(/user name or password|http or https/);
	});

	it('reached the canary not once', () => {
		expect(canary.accepted).toBe(0);
	});
});

describe('the allowed host:port works, and only that', () => {
	it('the fake on its allowed port, under any name for it', async () => {
		const port = new URL(fake.url).port;
		for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
			const created = await createProvider(`http://${host}:${port}/v1`);
			expect(created.status, host).toBe(201);
			expect(await testProvider(created.body.id)).toEqual({ ok: true, models: 2 });
		}
	});

	it('another port of the same address is refused', async () => {
		const next =
			Number(new URL(fake.url).port) === 65_535 ? 65_534 : Number(new URL(fake.url).port) + 1;
		const created = await createProvider(`http://127.0.0.1:${next}/v1`);
		expect(created.body.error?.message).toMatch(ALLOW(`127.0.0.1:${next}`));
	});
});

describe('rows saved before the guard are refused when used', () => {
	it('test, refresh, chats and title generation on a provider pointing at localhost', async () => {
		const modelId = await setUpProvider(admin.http, fake.url);
		const { body } = await rest<{ providers: { id: string; models: { id: string }[] }[] }>(
			admin,
			'GET',
			'/admin/providers'
		);
		const provider = body.providers.find((p) => p.models.some((m) => m.id === modelId));
		if (!provider) throw new Error('provider not found');
		// This machine's name goes through real DNS and the guarded lookup at connect time (on most
		// machines /etc/hosts maps it to a loopback address; elsewhere the case is left out).
		const own = await lookup(hostname(), { all: true }).catch(() => []);
		const ownName =
			own.length && own.every((a) => /^127\.|^::1$/.test(a.address)) ? [hostname()] : [];
		const hosts = ['localhost', '127.0.0.1', '[::1]', ...ownName];
		for (const url of hosts.map((host) => `http://${host}:${C}/v1`)) {
			await repoint('Provider', provider.id, url);
			const tested = await testProvider(provider.id);
			expect(tested.ok).toBe(false);
			expect(tested.reason).toMatch(
				/a loopback address \(this machine\); to allow it, add .* to OUTBOUND_ALLOW\.$/
			);
			const refreshed = await rest<{ error: { message: string } }>(
				admin,
				'POST',
				`/admin/providers/${provider.id}/models`
			);
			expect(refreshed.status).toBe(400);
			expect(refreshed.body.error.message).toMatch(/OUTBOUND_ALLOW/);
		}
		const tab = new AnswerAssembler(admin.socket);
		const chatId = await newChat(admin);
		const { assistant } = await ok(admin.socket, 'chat:send', {
			chatId,
			content: 'Hello inside',
			parentId: null,
			clientId: clientId(),
			modelId
		});
		const done = await tab.final(assistant.id);
		expect(done.status).toBe('error');
		expect(done.error).toBe(
			'Parley refused to connect to this provider. Ask an admin to check it under Admin → Providers.'
		);
		expect(canary.accepted).toBe(0);
	});

	it('test and sync of an instance pointing at localhost', async () => {
		const instance = await addInstance(admin.http, owui);
		await repoint('Instance', instance.id, `http://localhost:${C}`);
		const tested = await rest<{ ok: boolean; code: string; reason: string }>(
			admin,
			'POST',
			`/admin/instances/${instance.id}/test`
		);
		expect(tested.body).toMatchObject({ ok: false, code: 'blocked' });
		expect(tested.body.reason).toBe(
			`localhost:${C} resolves to 127.0.0.1, a loopback address (this machine); to allow it, add localhost:${C} to OUTBOUND_ALLOW.`
		);
		const run = await syncNow(admin.http, instance.id);
		expect(run.status).toBe('failed');
		expect(run.error).toMatch(/OUTBOUND_ALLOW/);
		expect(canary.accepted).toBe(0);
	});
});

describe('redirects are checked hop by hop', () => {
	it.each([
		[301, () => `http://127.0.0.1:${C}`],
		[302, () => `http://127.0.0.1:${C}`],
		[303, () => `http://localhost:${C}`],
		[307, () => `http://[::ffff:127.0.0.1]:${C}`],
		[308, () => `http://2130706433:${C}`],
		[302, () => 'http://169.254.169.254'],
		[307, () => `http://0.0.0.0:${C}`]
	])('a %i to an internal address is refused', async (status, to) => {
		redirect = { status, to: to() };
		const created = await createProvider(`http://127.0.0.1:${redirector.port}/v1`);
		expect(created.status).toBe(201);
		const tested = await testProvider(created.body.id);
		expect(tested.ok).toBe(false);
		expect(tested.reason).toMatch(/OUTBOUND_ALLOW/);
		expect(canary.accepted).toBe(0);
	});

	it('a redirected chat answer streams, and the key does not follow to another host', async () => {
		redirect = { status: 307, to: new URL(fake.url).origin };
		const before = fake.requests.length;
		const modelId = await setUpProvider(
			admin.http,
			`http://127.0.0.1:${redirector.port}/v1`,
			'sk-cross-host-canary-123'
		);
		const tab = new AnswerAssembler(admin.socket);
		const chatId = await newChat(admin);
		const { assistant } = await ok(admin.socket, 'chat:send', {
			chatId,
			content: 'Through a redirect [[tokens=3]]',
			parentId: null,
			clientId: clientId(),
			modelId
		});
		expect((await tab.final(assistant.id)).content).toBe('t0 t1 t2 ');
		const reached = fake.requests.slice(before);
		expect(reached.length).toBeGreaterThan(0);
		for (const request of reached) expect(request.authorization).toBeUndefined();
	});

	it('an instance redirected to another host loses its key (and says the key was refused)', async () => {
		redirect = { status: 302, to: owui.url };
		const direct = await addInstance(admin.http, owui);
		expect(
			(await rest<{ ok: boolean }>(admin, 'POST', `/admin/instances/${direct.id}/test`)).body.ok
		).toBe(true);
		const via = await addInstance(admin.http, owui, {
			baseUrl: `http://127.0.0.1:${redirector.port}`
		});
		const tested = await rest<{ ok: boolean; code: string }>(
			admin,
			'POST',
			`/admin/instances/${via.id}/test`
		);
		expect(tested.body).toMatchObject({ ok: false, code: 'key_refused' });
		redirect = { status: 307, to: `http://localhost:${C}` };
		expect(
			(await rest<{ code: string }>(admin, 'POST', `/admin/instances/${via.id}/test`)).body.code
		).toBe('blocked');
		expect(canary.accepted).toBe(0);
	});
});

describe('the canary is reachable when, and only when, the setting lists it', () => {
	it('the same spellings reach it once 127.0.0.1:<port> is allowed', async () => {
		const allowed = await newParley({ allow: [C] });
		try {
			const owner = await allowed.user('Owner');
			for (const host of ['2130706433', '0x7f000001', '[::ffff:127.0.0.1]', 'localhost']) {
				const created = await rest<{ id: string }>(owner, 'POST', '/admin/providers', {
					name: unique('allowed'),
					baseUrl: `http://${host}:${C}/v1`
				});
				expect(created.status, host).toBe(201);
				// Requests, not connections: the spellings that are one origin share a pooled connection.
				const before = canary.requests;
				const tested = await rest<{ ok: boolean; models: number }>(
					owner,
					'POST',
					`/admin/providers/${created.body.id}/test`
				);
				expect(tested.body, host).toEqual({ ok: true, models: 1 });
				expect(canary.requests, host).toBeGreaterThan(before);
			}
			owner.socket.disconnect();
		} finally {
			await allowed.dispose();
		}
	});
});

describe('at start', () => {
	it('the server warns about saved URLs it refuses, naming the setting', async () => {
		await server.stop();
		await server.restart();
		const warning = server.logs.find(
			(l) =>
				l.level === 40 && /^instance .*: localhost:\d+ resolves to 127\.0\.0\.1/.test(String(l.msg))
		);
		expect(warning?.msg).toMatch(/to allow it, add localhost:\d+ to OUTBOUND_ALLOW\.$/);
	});
});
