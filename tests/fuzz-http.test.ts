import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe as suite, expect, it } from 'vitest';
import { ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import type { TestDb } from './helpers/database.ts';
import {
	compact,
	databaseProblems,
	errorLines,
	fuzzParameters,
	healthWithin,
	hostileValue
} from './helpers/fuzz.ts';
import { useParley } from './helpers/kit.ts';

/**
 * Every JSON endpoint under src/routes/api/v1 (found by walking the route files, so a new one is
 * fuzzed without touching this file), every method it exports, with REQUESTS generated requests
 * each: hostile bodies (objects of the API's own field names with wrong types, JSON of any shape,
 * broken JSON, huge and oversized bodies, odd content types), hostile query strings, real and
 * random path parameters, as an admin, a member's API token or nobody. Every answer is below 500,
 * and every error is the API's JSON error body. After each endpoint /healthz answers within 1 s
 * and the server logged no error; at the end the database's integrity and foreign-key checks pass.
 */
const REQUESTS = 200;
const BATCH = 20;
const ROUTES_DIR = path.resolve(import.meta.dirname, '../src/routes');
const API_DIR = path.join(ROUTES_DIR, 'api/v1');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

interface Endpoint {
	/** e.g. `/api/v1/notes/[id]/shares/[userId]` */
	template: string;
	method: (typeof METHODS)[number];
}

function endpoints(): Endpoint[] {
	const files = readdirSync(API_DIR, { recursive: true, encoding: 'utf8' })
		.filter((file) => path.basename(file) === '+server.ts')
		.sort();
	return files.flatMap((file) => {
		const source = readFileSync(path.join(API_DIR, file), 'utf8');
		const template = `/${path.relative(ROUTES_DIR, path.join(API_DIR, path.dirname(file)))}`;
		return METHODS.filter((m) => new RegExp(`export const ${m}\\b`).test(source)).map((method) => ({
			template,
			method
		}));
	});
}

/** Field names of every object schema the API validates with, for bodies and query strings. */
async function fieldNames(): Promise<string[]> {
	const dir = path.resolve(import.meta.dirname, '../src/lib/shared/schemas');
	const names = new Set(['q', 'page', 'pageSize', 'since', 'before', 'after', 'limit', 'format']);
	for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
		const module = (await import(path.join(dir, file))) as Record<string, unknown>;
		for (const value of Object.values(module)) {
			const entries = (value as { entries?: Record<string, unknown> } | null)?.entries;
			if (entries && typeof entries === 'object') {
				for (const key of Object.keys(entries)) names.add(key);
			}
		}
	}
	return [...names];
}

let db: TestDb;
let admin: TestUser;
let memberToken: string;
let fields: string[];
/** Real values for each path parameter, by the path segment before it (`notes/[id]` → note ids). */
let params: Record<string, string[]>;

const env = { ...RELAXED_LIMITS, SYNC_SCHEDULER_TICK_MS: '0' };
const server = useParley(
	{ env, fakeProvider: true },
	async (kit) => {
		db = await kit.db();
		admin = await kit.user('Fuzz Admin');
		const member = await kit.account('Fuzz Member');
		const spare = await kit.account('Fuzz Spare');
		fields = await fieldNames();

		const token = (name: string) =>
			member.http.json<{ token: string; summary: { id: string } }>('/api/v1/tokens', {
				method: 'POST',
				body: { name }
			});
		memberToken = (await token('fuzz bearer')).body.token;
		const spareTokens = await Promise.all(
			['a', 'b'].map((n) =>
				admin.http.json<{ summary: { id: string } }>('/api/v1/tokens', {
					method: 'POST',
					body: { name: `spare ${n}` }
				})
			)
		);

		const modelId = await kit.setUpProvider(admin);
		const providerId = String(
			(await db.get('SELECT "providerId" FROM "ProviderModel" WHERE "id" = ?', modelId))?.providerId
		);
		const instance = await admin.http.json<{ id: string }>('/api/v1/admin/instances', {
			method: 'POST',
			// Nothing listens on port 1: tests and syncs of it fail at once, on this machine.
			body: {
				name: 'fuzz instance',
				baseUrl: 'http://127.0.0.1:1',
				apiKey: 'sk-fuzz',
				scheduled: false
			}
		});
		const channel = await ok(admin.socket, 'channel:create', {
			kind: 'public',
			name: 'fuzz http',
			memberIds: [member.id]
		});
		const message = await ok(admin.socket, 'message:send', {
			channelId: channel.id,
			clientId: 'fuzz-http-1',
			body: 'hi'
		});
		const note = await ok(admin.socket, 'note:create', { title: 'fuzz http note' });
		const reports = await admin.http.json<{ reports: { name: string }[] }>('/api/v1/admin/usage');
		params = {
			channels: [channel.id],
			messages: [message.id],
			notes: [note.id],
			// Never the admin's own id: a fuzzed PATCH could demote or deactivate the fuzzing account.
			users: [member.id, spare.id],
			shares: [member.id, spare.id],
			providers: [providerId],
			models: [modelId],
			instances: [instance.body.id],
			tokens: spareTokens.map((t) => t.body.summary.id),
			usage: reports.body.reports.map((r) => r.name)
		};
	},
	120_000
);

const randomSegment = fc.oneof(
	fc.string({ minLength: 1, maxLength: 40 }),
	fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
	fc.constantFrom(
		'..',
		'.',
		'%2e%2e',
		'%00',
		'undefined',
		'null',
		'0',
		'-1',
		'x'.repeat(2000),
		'__proto__'
	),
	fc.uuid()
);

/** The path with each `[param]` filled with a real value (mostly) or a random one. */
function pathFor(template: string): fc.Arbitrary<string> {
	const parts = template.split('/');
	return fc
		.tuple(
			...parts.map((part, i) => {
				if (!/^\[\w+\]$/.test(part)) return fc.constant(part);
				const real = params[parts[i - 1]] ?? params.users;
				return fc.oneof(
					{ weight: 3, arbitrary: fc.constantFrom(...real) },
					{ weight: 1, arbitrary: randomSegment }
				);
			})
		)
		.map((filled) =>
			filled.map((part, i) => (part === parts[i] ? part : encodeURIComponent(part))).join('/')
		);
}

const queryValue = fc.oneof(
	fc.string({ maxLength: 30 }),
	fc.constantFrom(
		'',
		'0',
		'-1',
		'1e9',
		'NaN',
		'csv',
		'md',
		'html',
		'json',
		'custom',
		'today',
		'2024-02-30',
		'Etc/GMT+99',
		'x'.repeat(5000),
		'2147483648',
		'9007199254740993',
		'9223372036854775808',
		'1'.repeat(400)
	),
	fc.integer().map(String),
	fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String)
);

function queryFor(): fc.Arbitrary<string> {
	return fc
		.array(
			fc.tuple(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })), queryValue),
			{ maxLength: 5 }
		)
		.map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ''));
}

interface Body {
	text?: string;
	type?: string;
}

function bodies(): fc.Arbitrary<Body> {
	const hostile = hostileValue(Object.values(params).flat());
	const object = fc
		.dictionary(
			fc.oneof(
				{ weight: 4, arbitrary: fc.constantFrom(...fields) },
				{ weight: 1, arbitrary: fc.string({ maxLength: 8 }) }
			),
			hostile,
			{ maxKeys: 6 }
		)
		.map((o) => JSON.stringify(o));
	const text = fc.oneof(
		{ weight: 6, arbitrary: object },
		{ weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
		{
			weight: 2,
			arbitrary: fc.constantFrom(
				'',
				' ',
				'{',
				'[',
				'nul',
				'{"a":',
				'"\\ud800"',
				'{"__proto__":{"role":"admin"}}',
				'{"constructor":{"prototype":{"polluted":true}}}',
				'[]',
				'[{}]',
				'0',
				'true',
				'\u0000',
				'\ufeff{}',
				JSON.stringify({ a: 1 }).repeat(3)
			)
		},
		{ weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
		{
			weight: 1,
			// Under the 1 MB body limit, and over it (413).
			arbitrary: fc
				.constantFrom(900_000, 1_100_000)
				.map((size) => JSON.stringify({ name: 'x'.repeat(size) }))
		}
	);
	return fc.record({
		text: fc.option(text, { freq: 8, nil: undefined }),
		type: fc.constantFrom(
			'application/json',
			'application/json',
			'application/json; charset=utf-8',
			'text/plain',
			'application/x-www-form-urlencoded',
			'multipart/form-data; boundary=fuzz',
			undefined
		)
	});
}

type Auth = 'admin' | 'token' | 'none';

interface Request {
	path: string;
	query: string;
	body: Body;
	auth: Auth;
}

interface Answer {
	status: number;
	type: string;
	text: string;
}

const request = (template: string, method: string): fc.Arbitrary<Request> =>
	fc
		.record({
			path: pathFor(template),
			query: queryFor(),
			body: bodies(),
			auth: fc.oneof(
				{ weight: 6, arbitrary: fc.constant<Auth>('admin') },
				{ weight: 1, arbitrary: fc.constant<Auth>('token') },
				{ weight: 1, arbitrary: fc.constant<Auth>('none') }
			)
		})
		.map((r) => Object.defineProperty(r, fc.toStringMethod, { value: () => describe(method, r) }));

async function send(method: string, request: Request): Promise<Answer> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (request.auth === 'admin') {
		headers.cookie = admin.http.cookieHeader;
		headers.origin = server.url;
	} else if (request.auth === 'token') {
		headers.authorization = `Bearer ${memberToken}`;
	}
	const withBody = method !== 'GET' && request.body.text !== undefined;
	if (withBody && request.body.type) headers['content-type'] = request.body.type;
	const response = await fetch(`${server.url}${request.path}${request.query}`, {
		method,
		headers,
		body: withBody ? request.body.text : undefined,
		redirect: 'manual',
		signal: AbortSignal.timeout(30_000)
	});
	const type = response.headers.get('content-type') ?? '';
	return { status: response.status, type, text: await response.text() };
}

/** A short description of a request, for failure reports. */
function describe(method: string, r: Request): string {
	const body = compact(r.body.text ?? null, 300);
	return `${method} ${r.path.slice(0, 300)}${r.query.slice(0, 200)} as ${r.auth}, body ${body} (${r.body.type})`;
}

function check(method: string, r: Request, answer: Answer) {
	const where = `${describe(method, r)} → ${answer.status} ${answer.text.slice(0, 300)}`;
	expect(answer.status, where).toBeLessThan(500);
	if (answer.status < 400) return;
	expect(answer.type, where).toMatch(/^application\/json/);
	const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
	expect(typeof body.error?.code, where).toBe('string');
	expect(typeof body.error?.message === 'string' && body.error.message.length > 0, where).toBe(
		true
	);
}

suite('fuzzing every JSON endpoint', () => {
	for (const { template, method } of endpoints()) {
		it(`${method} ${template}: ${REQUESTS} generated requests`, async () => {
			const logsBefore = server.logs.length;
			await fc.assert(
				fc.asyncProperty(
					fc.array(request(template, method), { minLength: BATCH, maxLength: BATCH }),
					async (batch) => {
						const answers = await Promise.all(batch.map((r) => send(method, r)));
						batch.forEach((r, i) => check(method, r, answers[i]));
					}
				),
				fuzzParameters(REQUESTS / BATCH)
			);
			expect(await healthWithin(server.url, 1000)).toBe(200);
			const errors = errorLines(server.logs, logsBefore);
			expect(errors).toEqual([]);
		}, 180_000);
	}

	it('leaves a consistent database', async () => {
		expect(await databaseProblems(db)).toEqual({ integrity: 'ok', foreignKeys: [] });
	});
});
