import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundClient } from './client.ts';
import type { Resolver } from './lookup.ts';
import { OutboundPolicy } from './policy.ts';
import { OutboundRefusal } from './refusal.ts';

interface Seen {
	method: string;
	url: string;
	authorization?: string;
	body: string;
}

/** An HTTP server on 127.0.0.1 that counts connections and records requests. */
async function listen(handler: http.RequestListener = (_, res) => res.end('{"ok":true}')) {
	const seen: Seen[] = [];
	let connections = 0;
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk: Buffer) => (body += chunk.toString()));
		req.on('end', () => {
			seen.push({
				method: req.method ?? '',
				url: req.url ?? '',
				authorization: req.headers.authorization,
				body
			});
			handler(req, res);
		});
	});
	server.on('connection', () => connections++);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		port,
		seen,
		get connections() {
			return connections;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

/** DNS for names that exist only in this test. */
const names: Record<string, string> = {
	'inside.test': '127.0.0.1',
	'metadata.test': '169.254.169.254'
};
const resolve: Resolver = (hostname) => {
	const address = names[hostname];
	if (!address) return Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
	return Promise.resolve([{ address, family: 4 }]);
};

let canary: Awaited<ReturnType<typeof listen>>;
let other: Awaited<ReturnType<typeof listen>>;
let redirector: Awaited<ReturnType<typeof listen>>;
let client: OutboundClient;
let redirectTo = '';
let redirectStatus = 302;

beforeAll(async () => {
	canary = await listen();
	other = await listen();
	redirector = await listen((req, res) => {
		if (req.url === '/loop') {
			res.writeHead(302, { location: '/loop' }).end();
			return;
		}
		if (req.url?.startsWith('/same')) {
			res.writeHead(307, { location: '/final' }).end();
			return;
		}
		if (req.url === '/final') return void res.end('{"final":true}');
		res.writeHead(redirectStatus, { location: redirectTo }).end('redirect body');
	});
	client = new OutboundClient(
		OutboundPolicy.fromSetting(`127.0.0.1:${redirector.port},127.0.0.1:${other.port}`),
		{ resolve }
	);
});

afterAll(async () => {
	await client.close();
	await Promise.all([canary.close(), other.close(), redirector.close()]);
});

const signal = () => AbortSignal.timeout(5000);

async function refusal(url: string, init: Partial<Parameters<OutboundClient['fetch']>[1]> = {}) {
	const error = await client.fetch(url, { signal: signal(), ...init }).then(
		() => null,
		(e: unknown) => e
	);
	expect(error, url).toBeInstanceOf(OutboundRefusal);
	return error as OutboundRefusal;
}

describe('OutboundClient', () => {
	it('connects to a name only through the guarded lookup, to the address it checked', async () => {
		const allowing = new OutboundClient(OutboundPolicy.fromSetting(`127.0.0.1:${canary.port}`), {
			resolve
		});
		try {
			// inside.test exists only in the injected resolver: reaching the canary proves the socket
			// connected to the address the guard checked.
			const response = await allowing.fetch(`http://inside.test:${canary.port}/x`, {
				signal: signal()
			});
			expect(await response.json()).toEqual({ ok: true });
			expect(canary.connections).toBe(1);
		} finally {
			await allowing.close();
		}
		expect((await refusal(`http://inside.test:${canary.port}/`)).message).toBe(
			`inside.test:${canary.port} resolves to 127.0.0.1, a loopback address (this machine); to allow it, add inside.test:${canary.port} to OUTBOUND_ALLOW.`
		);
		expect(canary.connections).toBe(1);
	});

	it.each([301, 302, 303, 307, 308])('refuses a %i redirect to loopback', async (status) => {
		const before = canary.connections;
		redirectStatus = status;
		for (const target of [
			`http://127.0.0.1:${canary.port}/`,
			`http://localhost:${canary.port}/`,
			`http://inside.test:${canary.port}/`,
			`http://[::ffff:127.0.0.1]:${canary.port}/`,
			`http://2130706433:${canary.port}/`,
			'http://metadata.test/latest/meta-data/'
		]) {
			redirectTo = target;
			const refused = await refusal(`http://127.0.0.1:${redirector.port}/go`);
			expect(refused.reason).toBe('blocked');
		}
		expect(canary.connections).toBe(before);
	});

	it('refuses redirects to other schemes and to URLs with credentials', async () => {
		redirectStatus = 302;
		redirectTo = 'file:///etc/passwd';
		expect((await refusal(`http://127.0.0.1:${redirector.port}/go`)).reason).toBe('scheme');
		redirectTo = `http://user:pass@127.0.0.1:${other.port}/`;
		expect((await refusal(`http://127.0.0.1:${redirector.port}/go`)).reason).toBe('credentials');
	});

	it('stops after five redirects', async () => {
		const refused = await refusal(`http://127.0.0.1:${redirector.port}/loop`);
		expect(refused).toMatchObject({ reason: 'redirects' });
	});

	it('keeps credentials on the same origin and drops them for another one', async () => {
		const headers = { authorization: 'Bearer sk-same-origin-only', 'x-api-key': 'sk-x' };
		const same = await client.fetch(`http://127.0.0.1:${redirector.port}/same`, {
			signal: signal(),
			headers,
			method: 'POST',
			body: '{"a":1}'
		});
		expect(await same.json()).toEqual({ final: true });
		expect(redirector.seen.at(-1)).toMatchObject({
			url: '/final',
			method: 'POST',
			authorization: 'Bearer sk-same-origin-only',
			body: '{"a":1}'
		});

		redirectStatus = 307;
		redirectTo = `http://127.0.0.1:${other.port}/moved`;
		await client.fetch(`http://127.0.0.1:${redirector.port}/go`, {
			signal: signal(),
			headers,
			method: 'POST',
			body: '{"a":2}'
		});
		expect(other.seen.at(-1)).toMatchObject({ url: '/moved', method: 'POST', body: '{"a":2}' });
		expect(other.seen.at(-1)?.authorization).toBeUndefined();

		// The same server under another name is another origin too.
		redirectTo = `http://localhost:${other.port}/again`;
		redirectStatus = 302;
		await client.fetch(`http://127.0.0.1:${redirector.port}/go`, {
			signal: signal(),
			headers,
			method: 'POST',
			body: '{"a":3}'
		});
		expect(other.seen.at(-1)).toMatchObject({ url: '/again', method: 'GET', body: '' });
		expect(other.seen.at(-1)?.authorization).toBeUndefined();
	});

	it('checks URLs before saving: schemes, credentials, literal and localhost addresses', () => {
		expect(client.checkUrl('ftp://example.com/')?.reason).toBe('scheme');
		expect(client.checkUrl('http://a:b@example.com/')?.reason).toBe('credentials');
		expect(client.checkUrl('not a url')?.reason).toBe('bad_url');
		expect(client.checkUrl('http://10.0.0.1/v1')?.message).toMatch(/private network address/);
		expect(client.checkUrl('http://[fe80::1]/')?.allowable).toBe(false);
		expect(client.checkUrl('http://localhost:9/')?.message).toMatch(
			/^localhost:9 resolves to 127\.0\.0\.1, a loopback/
		);
		expect(client.checkUrl(`http://localhost:${other.port}/`)).toBeNull();
		expect(client.checkUrl('https://api.example.com/v1')).toBeNull();
		// Names are resolved when a request is made, not when saving.
		expect(client.checkUrl('http://inside.test/')).toBeNull();
	});
});
