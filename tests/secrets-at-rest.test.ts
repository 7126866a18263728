/**
 * API keys at rest: encrypted in the database (AES-256-GCM, bound to their row), the key generated
 * into DATA_DIR/secret.key (0600) or taken from SECRET_KEY, plaintext from before upgraded, tampering
 * detected with a clear error, and `parley secrets rotate` moving every value to a new key while
 * the server keeps reading them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai.ts';
import { clientId, call, newUser, rest, type TestUser } from './helpers/channels.ts';
import { newChat, setUpProvider } from './helpers/chats.ts';
import { cliEnv, runCli } from './helpers/cli.ts';
import { HttpClient } from './helpers/client.ts';
import { TEST_DB, databaseUrlFor, openTestDb, withTestDb } from './helpers/database.ts';
import { allowOutbound, disposeServer, startServer, type TestServer } from './helpers/server.ts';
import { addInstance } from './helpers/sync.ts';

const KEYS = {
	a: 'sk-at-rest-provider-a-0e5b7c',
	b: 'sk-at-rest-provider-b-91d2aa',
	c: 'sk-at-rest-provider-c-3f64e0',
	gone: 'sk-at-rest-deleted-key-77c1',
	old: 'sk-at-rest-overwritten-5a9d'
};

let fakes: Record<'a' | 'b' | 'c', FakeOpenAI>;
let owui: FakeOpenWebUI;
let env: Record<string, string>;
const dirs: string[] = [];

beforeAll(async () => {
	const [a, b, c] = await Promise.all(
		(['a', 'b', 'c'] as const).map((k) => startFakeOpenAI({ apiKey: KEYS[k] }))
	);
	fakes = { a, b, c };
	owui = await FakeOpenWebUI.start({ adminKey: 'sk-at-rest-instance-key-19f3' });
	env = allowOutbound(a.url, b.url, c.url, owui.url);
});

afterAll(async () => {
	await Promise.all([...Object.values(fakes).map((f) => f.close()), owui.close()]);
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'parley-secrets-'));
	dirs.push(dir);
	return dir;
}

/** A data folder and the database its servers use. */
async function storage(dir: string): Promise<{ dataDir: string; databaseUrl: string }> {
	return { dataDir: dir, databaseUrl: await databaseUrlFor(dir) };
}

/**
 * The bytes the database keeps on disk. SQLite: the file and its WAL. PostgreSQL: every file of the
 * database's folder in the cluster, after a checkpoint wrote all changed pages out (the cluster's
 * WAL is shared by every test database, so it is left out).
 */
async function files(dir: string): Promise<Buffer> {
	if (TEST_DB === 'sqlite') {
		return Buffer.concat(
			['parley.db', 'parley.db-wal']
				.map((f) => path.join(dir, f))
				.filter(existsSync)
				.map((f) => readFileSync(f))
		);
	}
	return withTestDb(await storage(dir), async (db) => {
		await db.run('CHECKPOINT');
		// Files can go while they are listed (a VACUUM FULL replaces them): those read as NULL.
		const rows = await db.all<{ bytes: Buffer | null }>(
			`SELECT pg_read_binary_file("file", 0, (pg_stat_file("file", true))."size", true) AS "bytes" FROM (SELECT 'base/' || "oid" || '/' || pg_ls_dir('base/' || "oid") AS "file" FROM "pg_database" WHERE "datname" = current_database()) AS "files"`
		);
		return Buffer.concat(rows.flatMap((row) => (row.bytes ? [row.bytes] : [])));
	});
}

async function query<T>(
	server: TestServer | string,
	sql: string,
	...args: unknown[]
): Promise<T[]> {
	const target = typeof server === 'string' ? await storage(server) : server;
	return withTestDb(target, (db) => db.all<T>(sql, ...args));
}

async function providerTest(user: TestUser, id: string) {
	return (await rest<{ ok: boolean; reason?: string }>(user, 'POST', `/admin/providers/${id}/test`))
		.body;
}

async function providerIds(user: TestUser): Promise<Record<string, string>> {
	const { body } = await rest<{ providers: { id: string; baseUrl: string }[] }>(
		user,
		'GET',
		'/admin/providers'
	);
	const byUrl = Object.fromEntries(body.providers.map((p) => [p.baseUrl, p.id]));
	return { a: byUrl[fakes.a.url], b: byUrl[fakes.b.url], c: byUrl[fakes.c.url] };
}

describe('encrypted at rest', () => {
	let server: TestServer;
	let admin: TestUser;

	beforeAll(async () => {
		server = await startServer({ env, dataDir: dataDir() });
		admin = await newUser(server.url, 'Admin');
	});
	afterAll(async () => {
		admin?.socket.disconnect();
		await server?.stop();
	});

	it('generates the key file once, with mode 0600, and logs its path but never its value', async () => {
		const file = path.join(server.dataDir, 'secret.key');
		expect(statSync(file).mode & 0o777).toBe(0o600);
		const key = readFileSync(file, 'utf8').trim();
		expect(Buffer.from(key, 'base64')).toHaveLength(32);
		const line = server.logs.find((l) => String(l.msg).startsWith('generated the key'));
		expect(line).toMatchObject({ path: file, level: 40 });
		expect(String(line?.msg)).toMatch(/back it up/);
		expect(server.output()).not.toContain(key);
	});

	it('stores no key in plain text, not even deleted or overwritten ones, and still uses them', async () => {
		const created = await rest<{ id: string }>(admin, 'POST', '/admin/providers', {
			name: 'A',
			baseUrl: fakes.a.url,
			apiKey: KEYS.old
		});
		await rest(admin, 'PATCH', `/admin/providers/${created.body.id}`, { apiKey: KEYS.a });
		const ids = await providerIds(admin);
		const doomed = await rest<{ id: string }>(admin, 'POST', '/admin/providers', {
			name: 'doomed',
			baseUrl: fakes.b.url,
			apiKey: KEYS.gone
		});
		await rest(admin, 'DELETE', `/admin/providers/${doomed.body.id}`);
		await addInstance(admin.http, owui);
		expect(await providerTest(admin, ids.a)).toEqual({ ok: true, models: 2 });
		const bytes = await files(server.dataDir);
		expect(bytes.length).toBeGreaterThan(0);
		for (const key of [KEYS.a, KEYS.old, KEYS.gone, owui.options.adminKey]) {
			expect(bytes.includes(key), key).toBe(false);
		}
		const rows = await query<{ apiKey: string }>(
			server,
			`SELECT "apiKey" FROM "Provider" UNION ALL SELECT "apiKey" FROM "Instance" WHERE "apiKey" <> ''`
		);
		expect(rows.length).toBe(2);
		for (const row of rows) expect(row.apiKey).toMatch(/^enc:v1:[0-9a-f]{12}:[\w-]+$/);
		const listed = await rest<{ providers: Record<string, unknown>[] }>(
			admin,
			'GET',
			'/admin/providers'
		);
		expect(listed.body.providers[0]).toMatchObject({ hasApiKey: true });
		expect(JSON.stringify(listed.body)).not.toContain('enc:v1');
	});

	it('a flipped byte or a value copied from another row fails to decrypt, with a clear error', async () => {
		await setUpProvider(admin.http, fakes.b.url, KEYS.b);
		await setUpProvider(admin.http, fakes.c.url, KEYS.c);
		const ids = await providerIds(admin);
		const [b] = await query<{ apiKey: string }>(
			server,
			'SELECT "apiKey" FROM "Provider" WHERE "id" = ?',
			ids.b
		);
		const flipped = b.apiKey.slice(0, -2) + (b.apiKey.at(-2) === 'A' ? 'B' : 'A') + b.apiKey.at(-1);
		await withTestDb(server, async (db) => {
			const update = 'UPDATE "Provider" SET "apiKey" = ? WHERE "id" = ?';
			expect(await db.run(update, flipped, ids.b)).toBe(1);
			expect(await db.run(update, b.apiKey, ids.c)).toBe(1);
		});
		const before = fakes.b.requests.length + fakes.c.requests.length;
		for (const id of [ids.b, ids.c]) {
			const tested = await providerTest(admin, id);
			expect(tested.ok).toBe(false);
			expect(tested.reason).toMatch(
				/^The stored API key of provider .* cannot be decrypted with key [0-9a-f]{12} \(from SECRET_KEY or DATA_DIR\/secret\.key\): it was altered, or copied from another row\. Enter the API key again\.$/
			);
		}
		// A member's chat on such a model is refused plainly; no request goes out with a wrong key.
		const listed = await rest<{ providers: { id: string; models: { id: string }[] }[] }>(
			admin,
			'GET',
			'/admin/providers'
		);
		const modelId = listed.body.providers.find((p) => p.id === ids.b)?.models[0].id;
		const member = await newUser(server.url, 'Member');
		const refused = await call(member.socket, 'chat:send', {
			chatId: await newChat(member),
			content: 'hello',
			parentId: null,
			clientId: clientId(),
			modelId
		});
		member.socket.disconnect();
		expect(refused).toMatchObject({ ok: false, error: { code: 'model_unavailable' } });
		expect(refused.ok ? '' : refused.error.message).toMatch(
			/cannot be used right now: the server cannot read its provider’s API key\. Ask an admin/
		);
		expect(fakes.b.requests.length + fakes.c.requests.length).toBe(before);
		// Saving the key again repairs it.
		await rest(admin, 'PATCH', `/admin/providers/${ids.b}`, { apiKey: KEYS.b });
		expect(await providerTest(admin, ids.b)).toEqual({ ok: true, models: 2 });
	});

	it('the same key file opens the values after a restart', async () => {
		const ids = await providerIds(admin);
		await server.stop();
		server = await startServer({ env, dataDir: server.dataDir });
		admin.http = Object.assign(new HttpClient(server.url), { cookies: admin.http.cookies });
		expect(server.logs.some((l) => String(l.msg).startsWith('generated the key'))).toBe(false);
		expect(
			server.logs.some((l) => l.msg === 'stored API keys are encrypted with the key file')
		).toBe(true);
		expect(await providerTest(admin, ids.a)).toEqual({ ok: true, models: 2 });
	});
});

describe('upgrading a database with plaintext keys', () => {
	it('encrypts them at start and leaves no trace in free pages or the WAL', async () => {
		const dir = dataDir();
		const first = await startServer({ env, dataDir: dir });
		await first.stop();
		// As an older version wrote it: plaintext keys, one of them deleted (its bytes linger).
		const db = await openTestDb((await storage(dir)).databaseUrl);
		if (db.dialect === 'sqlite') await db.all('PRAGMA secure_delete = OFF');
		const insert = (id: string, name: string, baseUrl: string, apiKey: string) =>
			db.run(
				`INSERT INTO "Provider" ("id", "name", "baseUrl", "apiKey", "enabled", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00.000+00:00', '2026-01-01T00:00:00.000+00:00')`,
				id,
				name,
				baseUrl,
				apiKey,
				true
			);
		await insert('legacy-a', 'Legacy A', fakes.a.url, KEYS.a);
		// Long (over a page of its own), and random so that PostgreSQL stores it uncompressed.
		const padding = randomBytes(2250).toString('base64');
		await insert('legacy-gone', 'Legacy gone', fakes.b.url, `${KEYS.gone}${padding}`);
		await db.run(`DELETE FROM "Provider" WHERE "id" = 'legacy-gone'`);
		if (db.dialect === 'sqlite') {
			await db.run('PRAGMA user_version = 0');
			await db.all('PRAGMA wal_checkpoint(TRUNCATE)');
		}
		await db.close();
		expect((await files(dir)).includes(KEYS.a)).toBe(true);
		expect((await files(dir)).includes(KEYS.gone)).toBe(true);

		const server = await startServer({ env, dataDir: dir });
		try {
			expect(server.logs.find((l) => String(l.msg).startsWith('encrypted API keys'))).toMatchObject(
				{
					values: 1
				}
			);
			const [legacy] = await query<{ apiKey: string }>(
				dir,
				`SELECT "apiKey" FROM "Provider" WHERE "id" = 'legacy-a'`
			);
			expect(legacy.apiKey).toMatch(/^enc:v1:[0-9a-f]{12}:[\w-]+$/);
			// Only a SQLite file can come from before encryption: PostgreSQL is not compacted.
			const compacted = server.logs.some((l) => String(l.msg).startsWith('compacted the database'));
			expect(compacted).toBe(TEST_DB === 'sqlite');
			if (TEST_DB === 'sqlite') {
				const bytes = await files(dir);
				expect(bytes.includes(KEYS.a)).toBe(false);
				expect(bytes.includes(KEYS.gone)).toBe(false);
			}
			const admin = await newUser(server.url, 'Admin');
			expect(await providerTest(admin, 'legacy-a')).toEqual({ ok: true, models: 2 });
			admin.socket.disconnect();
		} finally {
			await server.stop();
		}
	});
});

describe('the key from SECRET_KEY', () => {
	it('refuses to start with a malformed SECRET_KEY, or a damaged key file, saying why', async () => {
		const dir = dataDir();
		await expect(
			startServer({ env: { ...env, SECRET_KEY: 'too-short' }, dataDir: dir })
		).rejects.toThrow(
			/SECRET_KEY: must be 32 random bytes in base64 \(44 characters\), e\.g\. the output of `openssl rand -base64 32`/
		);
		writeFileSync(path.join(dir, 'secret.key'), 'not a key\n', { mode: 0o600 });
		await expect(startServer({ env, dataDir: dir })).rejects.toThrow(
			/secret\.key is not a valid key: it must be 32 random bytes in base64/
		);
	});

	it('uses SECRET_KEY, writes no key file, and names SECRET_KEY when the key is wrong', async () => {
		const dir = dataDir();
		const key = randomBytes(32).toString('base64');
		let server = await startServer({ env: { ...env, SECRET_KEY: key }, dataDir: dir });
		const admin = await newUser(server.url, 'Admin');
		await setUpProvider(admin.http, fakes.a.url, KEYS.a);
		const { a } = await providerIds(admin);
		expect(existsSync(path.join(dir, 'secret.key'))).toBe(false);
		expect(server.logs.some((l) => l.msg === 'stored API keys are encrypted with SECRET_KEY')).toBe(
			true
		);
		expect(server.output()).not.toContain(key);
		await server.stop();

		server = await startServer({
			env: { ...env, SECRET_KEY: randomBytes(32).toString('base64') },
			dataDir: dir
		});
		try {
			admin.http = Object.assign(new HttpClient(server.url), { cookies: admin.http.cookies });
			const tested = await providerTest(admin, a);
			expect(tested.ok).toBe(false);
			expect(tested.reason).toMatch(
				/was encrypted with key [0-9a-f]{12}, which this server does not have\. Set SECRET_KEY/
			);
			expect(server.logs.some((l) => /which this server does not have/.test(String(l.msg)))).toBe(
				true
			);
		} finally {
			admin.socket.disconnect();
			await server.stop();
		}
	});
});

describe('parley secrets rotate', () => {
	it('with the key file: a new key, old values readable until done, safe to rerun', async () => {
		const dir = dataDir();
		const server = await startServer({ env, dataDir: dir });
		try {
			const admin = await newUser(server.url, 'Admin');
			await setUpProvider(admin.http, fakes.a.url, KEYS.a);
			await setUpProvider(admin.http, fakes.b.url, KEYS.b);
			await addInstance(admin.http, owui);
			const ids = await providerIds(admin);
			const keyIds = async () =>
				(
					await query<{ apiKey: string }>(
						dir,
						'SELECT "apiKey" FROM "Provider" UNION ALL SELECT "apiKey" FROM "Instance"'
					)
				).map((r) => r.apiKey.split(':')[2]);
			const [oldId] = await keyIds();
			const oldKey = readFileSync(path.join(dir, 'secret.key'), 'utf8');

			// A rotation cut off after it promoted the new key: the running server reads both.
			const next = randomBytes(32).toString('base64');
			writeFileSync(path.join(dir, 'secret.key.previous'), oldKey, { mode: 0o600 });
			writeFileSync(path.join(dir, 'secret.key'), `${next}\n`, { mode: 0o600 });
			expect(await providerTest(admin, ids.a)).toEqual({ ok: true, models: 2 });
			await rest(admin, 'PATCH', `/admin/providers/${ids.b}`, { apiKey: KEYS.b });
			const mixed = await keyIds();
			expect(new Set(mixed).size).toBe(2);
			expect(mixed).toContain(oldId);

			const resumed = await runCli(['secrets', 'rotate'], cliEnv(server, env));
			expect(resumed.code, resumed.stderr).toBe(0);
			expect(resumed.stdout).toMatch(
				new RegExp(
					`^Resumed the rotation: 2 API keys re-encrypted under key ([0-9a-f]{12}) \\(1 already were\\)\\.\\nRetired key ${oldId}\\.`
				)
			);
			const [newId] = await keyIds();
			expect(new Set(await keyIds())).toEqual(new Set([newId]));
			expect(existsSync(path.join(dir, 'secret.key.previous'))).toBe(false);
			expect(await providerTest(admin, ids.a)).toEqual({ ok: true, models: 2 });

			// A fresh rotation, from the start.
			const again = await runCli(['secrets', 'rotate'], cliEnv(server, env));
			expect(again.code, again.stderr).toBe(0);
			expect(again.stdout).toMatch(/^Rotated: 3 API keys re-encrypted under key [0-9a-f]{12}\./);
			expect(new Set(await keyIds()).size).toBe(1);
			expect((await keyIds())[0]).not.toBe(newId);
			expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
			expect(await providerTest(admin, ids.b)).toEqual({ ok: true, models: 2 });
			const bytes = await files(dir);
			for (const key of [KEYS.a, KEYS.b]) expect(bytes.includes(key)).toBe(false);
			admin.socket.disconnect();
		} finally {
			await disposeServer(server);
		}
	});

	it('with SECRET_KEY: the old key in SECRET_KEY_PREVIOUS until the rotation is done', async () => {
		const dir = dataDir();
		const oldKey = randomBytes(32).toString('base64');
		const newKey = randomBytes(32).toString('base64');
		let server = await startServer({ env: { ...env, SECRET_KEY: oldKey }, dataDir: dir });
		const admin = await newUser(server.url, 'Admin');
		await setUpProvider(admin.http, fakes.a.url, KEYS.a);
		const { a } = await providerIds(admin);
		await server.stop();

		const both = { ...env, SECRET_KEY: newKey, SECRET_KEY_PREVIOUS: oldKey };
		server = await startServer({ env: both, dataDir: dir });
		admin.http = Object.assign(new HttpClient(server.url), { cookies: admin.http.cookies });
		expect(await providerTest(admin, a)).toEqual({ ok: true, models: 2 });
		const rotated = await runCli(['secrets', 'rotate'], cliEnv(server, both));
		expect(rotated.code, rotated.stderr).toBe(0);
		expect(rotated.stdout).toMatch(/remove SECRET_KEY_PREVIOUS from every Parley process/);
		await server.stop();

		server = await startServer({ env: { ...env, SECRET_KEY: newKey }, dataDir: dir });
		try {
			admin.http = Object.assign(new HttpClient(server.url), { cookies: admin.http.cookies });
			expect(await providerTest(admin, a)).toEqual({ ok: true, models: 2 });
		} finally {
			admin.socket.disconnect();
			await server.stop();
		}
	});
});
