import { describe, expect, it } from 'vitest';
import { HttpClient } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

const ONE_MB = 1024 * 1024;

let admin: HttpClient;
const server = useParley({}, async (kit) => {
	admin = (await kit.account('Admin')).http;
});

/** Sends a raw body as JSON with the admin's cookie and reads the answer. */
async function send(path: string, method: string, body: BodyInit, init: RequestInit = {}) {
	const response = await admin.request(path, {
		method,
		headers: { origin: server.url, accept: 'application/json', 'content-type': 'application/json' },
		body,
		...init
	});
	const text = await response.text();
	let json: unknown = undefined;
	try {
		json = JSON.parse(text);
	} catch {
		/* not JSON */
	}
	return { status: response.status, contentType: response.headers.get('content-type'), json, text };
}

/** A body streamed in chunks with no Content-Length, as `Transfer-Encoding: chunked`. */
function chunked(text: string): RequestInit {
	const bytes = new TextEncoder().encode(text);
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			const size = 64 * 1024;
			for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
			controller.close();
		}
	});
	return { body, duplex: 'half' } as RequestInit;
}

describe('malformed requests', () => {
	it('answers malformed JSON with 400 bad_request', async () => {
		for (const [path, method] of [
			['/api/v1/me', 'PATCH'],
			['/api/v1/tokens', 'POST'],
			['/api/v1/me/password', 'POST'],
			['/api/v1/admin/settings', 'PATCH']
		]) {
			const response = await send(path, method, '{"displayName": "x",');
			expect(response.status, path).toBe(400);
			expect(response.json, path).toEqual({
				error: { code: 'bad_request', message: 'The request body is not valid JSON.' }
			});
		}
		expect((await send('/api/v1/tokens', 'POST', '')).json).toMatchObject({
			error: { code: 'bad_request' }
		});
	});

	it('answers schema violations with 400 validation and a message per field', async () => {
		const missing = await send('/api/v1/tokens', 'POST', '{}');
		expect(missing).toMatchObject({
			status: 400,
			json: { error: { code: 'validation', fields: { name: expect.any(String) } } }
		});
		const blank = await send('/api/v1/tokens', 'POST', '{"name": "  "}');
		expect(blank.json).toMatchObject({ error: { fields: { name: 'Name the token.' } } });
		const wrongTypes = await send(
			'/api/v1/me',
			'PATCH',
			JSON.stringify({ displayName: 5, avatarColor: null })
		);
		expect(wrongTypes.status).toBe(400);
		expect(wrongTypes.json).toMatchObject({ error: { code: 'validation' } });
		expect(Object.keys((wrongTypes.json as { error: { fields: object } }).error.fields)).toEqual([
			'displayName',
			'avatarColor'
		]);
		const notAnObject = await send('/api/v1/me', 'PATCH', '[1, 2]');
		expect(notAnObject).toMatchObject({ status: 400, json: { error: { code: 'validation' } } });
		expect((await admin.json('/api/v1/me')).body).toMatchObject({ user: { displayName: 'Admin' } });
	});

	it('refuses a JSON body that is not an object, also where every field is optional', async () => {
		// POST /api/v1/notes takes { title? }: valibot's object schema alone would take [] for {}.
		for (const body of ['[]', '[{}]', '"a note"', '0', 'null']) {
			expect(await send('/api/v1/notes', 'POST', body), body).toMatchObject({
				status: 400,
				json: { error: { code: 'validation', message: 'The request body must be a JSON object.' } }
			});
		}
		expect((await admin.json('/api/v1/notes')).body).toEqual({ notes: [] });
	});

	it('answers a malformed page number with 400, not a server error', async () => {
		for (const page of ['Infinity', '1e400', '99999999999999999999', '1.5', '0', 'abc']) {
			const response = await admin.json(`/api/v1/admin/users?page=${page}`);
			expect(response, `page=${page}`).toMatchObject({
				status: 400,
				body: { error: { code: 'validation', fields: { page: expect.any(String) } } }
			});
		}
		expect((await admin.json('/api/v1/admin/users?page=2')).body).toMatchObject({
			page: 2,
			users: []
		});
	});
});

describe('body size', () => {
	const oversized = JSON.stringify({ name: 'x'.repeat(ONE_MB + 10) });

	it('refuses a body over 1 MB with 413 before reading it', async () => {
		const response = await send('/api/v1/tokens', 'POST', oversized);
		expect(response).toMatchObject({
			status: 413,
			json: { error: { code: 'payload_too_large', message: 'The request body is over 1 MB.' } }
		});
	});

	it('refuses a chunked body over 1 MB with 413 too', async () => {
		const response = await send('/api/v1/tokens', 'POST', '', chunked(oversized));
		expect(response.status).toBe(413);
		expect(response.json).toMatchObject({ error: { code: 'payload_too_large' } });
		expect((await admin.json<{ tokens: unknown[] }>('/api/v1/tokens')).body.tokens).toEqual([]);
	});

	it('reads a large body under 1 MB normally', async () => {
		const response = await send(
			'/api/v1/tokens',
			'POST',
			'',
			chunked(JSON.stringify({ name: 'x'.repeat(ONE_MB - 100) }))
		);
		expect(response).toMatchObject({
			status: 400,
			json: { error: { code: 'validation', fields: { name: 'Use at most 64 characters.' } } }
		});
		expect((await admin.json('/healthz')).status).toBe(200);
	});
});

describe('routes', () => {
	it('answers unknown API routes with a JSON 404 in the error format', async () => {
		for (const path of ['/api/v1/nope', '/api/v2/me']) {
			const response = await admin.request(path, {
				method: 'POST',
				headers: { 'content-type': 'application/json', origin: server.url },
				body: '{}'
			});
			expect(response.status, path).toBe(404);
			expect(await response.json(), path).toEqual({
				error: { code: 'not_found', message: `No API endpoint at ${path}.` }
			});
		}
	});

	it('answers unknown API routes and pages with 404', async () => {
		for (const path of ['/api/v1/nope', '/api/v2/me', '/no-such-page']) {
			const response = await admin.request(path, { headers: { accept: 'application/json' } });
			expect(response.status, path).toBe(404);
			const type = response.headers.get('content-type') ?? '';
			const text = await response.text();
			if (type.includes('json')) expect(JSON.parse(text)).toHaveProperty('error');
			else expect(text).toMatch(/Not Found/i);
		}
	});

	it('answers a method a route lacks with 405', async () => {
		expect((await send('/api/v1/me', 'PUT', '{}')).status).toBe(405);
		expect((await admin.request('/api/v1/tokens/some-id')).status).toBe(405);
	});

	it('answers anonymous API calls with 401 JSON', async () => {
		const response = await new HttpClient(server.url).json('/api/v1/me');
		expect(response).toEqual({
			status: 401,
			body: { error: { code: 'unauthorized', message: 'Sign in or send an API token.' } }
		});
	});

	it('tags every response with a request id, honouring a well-formed incoming one', async () => {
		const own = await admin.request('/api/v1/me', { headers: { 'x-request-id': 'trace-123' } });
		expect(own.headers.get('x-request-id')).toBe('trace-123');
		const bad = await admin.request('/api/v1/me', { headers: { 'x-request-id': 'a b<c>' } });
		expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
		const line = server.logs.find((l) => l.requestId === 'trace-123');
		expect(line).toMatchObject({ msg: 'request', path: '/api/v1/me', status: 200 });
	});
});
