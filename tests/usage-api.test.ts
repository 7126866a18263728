/**
 * The usage API on the real server: facts counted as they happen (channel messages over the socket,
 * AI answers from the fake provider), admin-only access for REST, CSV and the page, clear errors for
 * bad input, and CSV files that hold exactly the rows of the JSON with formulas defused.
 */
import { describe, expect, it } from 'vitest';
import { REPORT_NAMES, type ReportResult } from '#lib/shared/usage.ts';
import { clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, newChat } from './helpers/chats.ts';
import { HttpClient } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

let admin: TestUser;
let bob: TestUser;
let adminToken: string;
let bobToken: string;
const EVIL_NAME = '=HYPERLINK("http://evil.test","x")';
const EVIL_MODEL = '@SUM(1,2)';

async function answerWith(user: TestUser, chatId: string, modelId: string | undefined) {
	const tab = new AnswerAssembler(user.socket);
	const { assistant } = await ok(user.socket, 'chat:send', {
		chatId,
		content: 'Hello [[tokens=12]]',
		parentId: null,
		clientId: clientId(),
		modelId
	});
	return tab.final(assistant.id);
}

async function token(user: TestUser): Promise<string> {
	const created = await user.http.json<{ token: string }>('/api/v1/tokens', {
		method: 'POST',
		body: { name: 'usage test' }
	});
	return created.body.token;
}

const server = useParley(
	{ env: RELAXED_LIMITS, fakeProvider: { models: ['fake-gpt', EVIL_MODEL] } },
	async (kit) => {
		admin = await kit.user('Ada Admin');
		bob = await kit.user(EVIL_NAME);
		await kit.setUpProvider(admin);
		const { body } = await admin.http.json<{
			providers: { models: { id: string; remoteId: string }[] }[];
		}>('/api/v1/admin/providers');
		const modelId = (remoteId: string) =>
			body.providers[0].models.find((m) => m.remoteId === remoteId)?.id;

		const channel = await ok(admin.socket, 'channel:create', { kind: 'public', name: 'usage' });
		await ok(bob.socket, 'channel:join', { channelId: channel.id });
		for (const user of [admin, admin, admin, bob, bob]) {
			await ok(user.socket, 'message:send', {
				channelId: channel.id,
				clientId: clientId(),
				body: 'hi'
			});
		}
		const chatId = await newChat(bob);
		await answerWith(bob, chatId, modelId('fake-gpt'));
		await answerWith(bob, chatId, modelId(EVIL_MODEL));
		adminToken = await token(admin);
		bobToken = await token(bob);
	}
);

const report = (client: HttpClient, name: string, query = 'range=7d&tz=UTC', auth?: string) =>
	client.json<ReportResult & { error?: { code: string; fields?: Record<string, string> } }>(
		`/api/v1/admin/usage/${name}?${query}`,
		{ token: auth }
	);

async function csv(client: HttpClient, name: string, query = 'range=7d&tz=UTC') {
	const response = await client.request(`/api/v1/admin/usage/${name}?${query}&format=csv`);
	return { response, text: await response.text() };
}

/** A small RFC 4180 reader: quoted cells, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted && c === '"' && text[i + 1] === '"') {
			cell += '"';
			i++;
		} else if (c === '"') {
			quoted = !quoted;
		} else if (!quoted && c === ',') {
			row.push(cell);
			cell = '';
		} else if (!quoted && c === '\r' && text[i + 1] === '\n') {
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
			i++;
		} else {
			cell += c;
		}
	}
	return rows;
}

describe('counting as it happens', () => {
	it('counts channel messages, answers, chats and people the moment they are written', async () => {
		const { status, body } = await report(admin.http, 'summary');
		expect(status).toBe(200);
		const value = Object.fromEntries(body.rows.map((r) => [r.metric, r.value]));
		expect(value).toMatchObject({ channelMessages: 5, answers: 2, chats: 1, activeUsers: 2 });
		const models = await report(admin.http, 'models');
		expect(models.body.rows.map((r) => [r.model, r.answers])).toEqual(
			expect.arrayContaining([
				['fake-gpt', 1],
				[EVIL_MODEL, 1]
			])
		);
	});
});

describe('CSV export', () => {
	it('holds exactly the rows and columns of the JSON, for every report', async () => {
		for (const name of REPORT_NAMES) {
			const json = (await report(admin.http, name)).body;
			const { response, text } = await csv(admin.http, name);
			expect(response.status, name).toBe(200);
			const [header, ...rows] = parseCsv(text);
			expect(header).toEqual(json.columns.map((c) => c.label));
			const expected = json.rows.map((row) =>
				json.columns.map(({ key }) => {
					const value = row[key];
					if (value === null || value === undefined) return '';
					const text = String(value);
					return typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
				})
			);
			expect(rows, name).toEqual(expected);
		}
	});

	it('defuses cells a spreadsheet would run, but keeps the JSON as it is', async () => {
		const users = await csv(admin.http, 'users');
		expect(users.text).toContain(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
		expect((await report(admin.http, 'users')).body.rows.map((r) => r.user)).toContain(EVIL_NAME);
		const models = await csv(admin.http, 'models');
		expect(models.text).toContain(`"'${EVIL_MODEL}"`);
	});

	it('downloads as a named attachment of the range', async () => {
		const { response } = await csv(admin.http, 'daily-tokens', 'from=2026-01-01&to=2026-01-31');
		expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(response.headers.get('content-disposition')).toBe(
			'attachment; filename="parley-usage-daily-tokens-2026-01-01-2026-01-31.csv"'
		);
	});
});

describe('admins only', () => {
	it('refuses people who are not signed in (401) and members (403), with a session or a token', async () => {
		const anonymous = new HttpClient(server.url);
		const status = async (client: HttpClient, path: string, bearer?: string) =>
			(await client.request(path, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}))
				.status;
		for (const path of [
			'/api/v1/admin/usage',
			'/api/v1/admin/usage/summary',
			'/api/v1/admin/usage/users?format=csv'
		]) {
			expect(await status(anonymous, path), path).toBe(401);
			expect(await status(bob.http, path), path).toBe(403);
			expect(await status(bob.http, path, bobToken), path).toBe(403);
			expect(await status(admin.http, path, adminToken), path).toBe(200);
		}
		const csvForBob = await bob.http.request('/api/v1/admin/usage/users?format=csv');
		expect(csvForBob.status).toBe(403);
		expect(await csvForBob.text()).not.toContain('Ada Admin');
	});

	it('lets an admin token read reports and the catalogue', async () => {
		const index = await admin.http.json<{
			reports: { name: string }[];
			filters: { models: string[] };
		}>('/api/v1/admin/usage', { token: adminToken });
		expect(index.status).toBe(200);
		expect(index.body.reports.map((r) => r.name)).toEqual([...REPORT_NAMES]);
		expect(index.body.filters.models).toEqual(expect.arrayContaining(['fake-gpt', EVIL_MODEL]));
		expect((await report(admin.http, 'summary', 'range=today', adminToken)).status).toBe(200);
	});

	it('keeps the page from members and sends visitors to sign in', async () => {
		const page = await bob.http.request('/admin/usage', { headers: { accept: 'text/html' } });
		expect(page.status).toBe(403);
		expect(await page.text()).not.toContain('Tokens per day');
		const visitor = await new HttpClient(server.url).request('/admin/usage');
		expect(visitor.status).toBe(303);
		expect(visitor.headers.get('location')).toMatch(/^\/login/);
		const mine = await admin.http.request('/admin/usage?range=7d&tz=UTC', {
			headers: { accept: 'text/html' }
		});
		expect(mine.status).toBe(200);
	});
});

describe('bad input', () => {
	const cases: [string, string, number, string][] = [
		['inverted range', 'from=2026-03-10&to=2026-03-01', 400, 'from'],
		['absurd range', 'from=2020-01-01&to=2026-01-01', 400, 'to'],
		['impossible date', 'from=2026-02-30&to=2026-03-01', 400, 'from'],
		['malformed date', 'from=yesterday&to=2026-03-01', 400, 'from'],
		['unknown time zone', 'tz=Mars/Olympus', 400, 'tz'],
		['offset instead of a zone', 'tz=%2B05:00', 400, 'tz'],
		['unknown preset', 'range=forever', 400, 'range'],
		['unknown model', 'model=gpt-99', 400, 'model'],
		['unknown person', 'user=nobody', 400, 'user'],
		['unknown instance', 'instance=elsewhere', 400, 'instance'],
		['page zero', 'page=0', 400, 'page'],
		['bad format', 'format=xlsx', 400, 'format']
	];
	for (const [label, query, status, field] of cases) {
		it(`answers a clear ${status} for an ${label}`, async () => {
			const { status: got, body } = await report(admin.http, 'users', query);
			expect(got).toBe(status);
			expect(body.error?.code).toBe('validation');
			expect(body.error?.fields).toHaveProperty(field);
		});
	}

	it('answers 404 for a report that does not exist, and 400 for an unknown sort column', async () => {
		expect((await report(admin.http, 'everything')).status).toBe(404);
		const sorted = await report(admin.http, 'users', 'sort=passwordHash');
		expect(sorted.status).toBe(400);
		expect(sorted.body.error?.fields).toHaveProperty('sort');
	});

	it('shows an empty range as empty, not as an error', async () => {
		const { status, body } = await report(
			admin.http,
			'daily-tokens',
			'from=2001-01-01&to=2001-01-31'
		);
		expect(status).toBe(200);
		expect(body.rows).toEqual([]);
		const summary = await csv(admin.http, 'summary', 'from=2001-01-01&to=2001-01-31');
		expect(summary.text.split('\r\n')[1]).toBe('activeUsers,Active people,count,0,0,');
	});
});
