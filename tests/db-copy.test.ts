/**
 * `parley db copy`: a workspace seeded through the real server (channels with threads and
 * reactions, chats with branches, notes with logs and snapshots, usage facts and rollups, an
 * imported Open WebUI instance) goes SQLite → PostgreSQL → SQLite with every row identical and the
 * same usage reports; an interrupted copy continues and ends verified. Needs both databases
 * whatever PARLEY_TEST_DB says (POSTGRES_URL, from scripts/test.sh).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from './fakes/openai.ts';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import { clientId, newUser, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { AnswerAssembler, setUpProvider, until } from './helpers/chats.ts';
import { runCli, startCli } from './helpers/cli.ts';
import { HttpClient } from './helpers/client.ts';
import { createPostgresDatabase, dbDate, openTestDb, type TestDb } from './helpers/database.ts';
import { appendText, NOTE_TEST_LIMITS, RawNoteClient } from './helpers/notes.ts';
import { allowOutbound, startServer, type TestServer } from './helpers/server.ts';
import { addInstance, syncNow } from './helpers/sync.ts';

const ENV = { ...RELAXED_LIMITS, ...NOTE_TEST_LIMITS, NOTE_COMPACT_AFTER_UPDATES: '5' };
/** Bulk facts inserted with SQL, so the interrupted copy has many small batches to stop in. */
const BULK_USAGE_ROWS = 1500;
/** Sorts before every uuid(7): a chat reply whose parent comes later in key order. */
const EARLY_ID = '00000000-0000-7000-8000-000000000001';

let dir: string;
let openai: FakeOpenAI;
let owui: FakeOpenWebUI;
let sqliteUrl: string;
let env: Record<string, string>;
let admin: TestUser;
let reports: Record<string, unknown>;

const REPORTS = ['summary', 'models', 'users'];
const REPORT_QUERY = 'range=30d&tz=UTC';

/** What the usage dashboard shows, as the signed-in admin (the session is copied too). */
async function readReports(baseUrl: string): Promise<{ status: number; body: unknown }[]> {
	const http = new HttpClient(baseUrl);
	http.cookies = new Map(admin.http.cookies);
	return Promise.all(
		REPORTS.map((name) => http.json(`/api/v1/admin/usage/${name}?${REPORT_QUERY}`))
	);
}

async function seed(server: TestServer): Promise<void> {
	admin = await newUser(server.url, 'Ana');
	const bo = await newUser(server.url, 'Bo');
	const users = [admin, bo];

	// Channels: messages, a thread, reactions, a direct message, an edit and a deletion.
	const channel = await ok(admin.socket, 'channel:create', {
		kind: 'public',
		name: 'general',
		memberIds: [bo.id]
	});
	const send = (
		user: TestUser,
		body: string,
		parentId: string | null = null,
		channelId = channel.id
	) => ok(user.socket, 'message:send', { channelId, clientId: clientId(), body, parentId });
	const root = await send(admin, 'Shall we move to PostgreSQL?');
	const reply = await send(bo, 'Yes, with parley db copy', root.id);
	await send(admin, 'Great', root.id);
	await ok(bo.socket, 'message:react', { messageId: root.id, emoji: '👍' });
	await ok(admin.socket, 'message:react', { messageId: reply.id, emoji: '🎉' });
	await ok(admin.socket, 'message:edit', { messageId: root.id, body: 'Shall we move to PG?' });
	const doomed = await send(bo, 'typo');
	await ok(bo.socket, 'message:delete', { messageId: doomed.id });
	const dm = await ok(admin.socket, 'dm:open', { userIds: [bo.id] });
	await send(admin, 'Psst', null, dm.id);

	// Chats: a question, its answer regenerated (a branch) and an edited question (another one).
	await setUpProvider(admin.http, openai.url);
	const tab = new AnswerAssembler(admin.socket);
	const chat = await ok(admin.socket, 'chat:create', { systemPrompt: 'Be brief.' });
	const first = await ok(admin.socket, 'chat:send', {
		chatId: chat.id,
		content: 'What is a rollup?',
		parentId: null,
		clientId: clientId()
	});
	await tab.final(first.assistant.id);
	const again = await ok(admin.socket, 'chat:regenerate', { messageId: first.assistant.id });
	await tab.final(again.id);
	const edited = await ok(admin.socket, 'chat:edit', {
		messageId: first.user.id,
		content: 'What is a usage rollup?',
		clientId: clientId()
	});
	await tab.final(edited.assistant.id);

	// Notes: shared, edited past the compaction threshold (a snapshot plus a log).
	const note = await ok(admin.socket, 'note:create', { title: 'Migration plan' });
	await ok(admin.socket, 'note:share', { noteId: note.id, userId: bo.id, role: 'editor' });
	const editor = new RawNoteClient(admin.socket, note.id);
	expect((await editor.join()).ok).toBe(true);
	const edit = async (i: number) =>
		expect((await editor.edit((doc) => appendText(doc, `step ${i}. `))).ok).toBe(true);
	for (let i = 0; i < 5; i++) await edit(i);
	const db = await openTestDb(sqliteUrl);
	try {
		await until(
			async () =>
				(await db.get(
					'SELECT 1 AS "one" FROM "NoteSnapshot" WHERE "noteId" = ? AND "seq" > 0',
					note.id
				)) !== undefined,
			'the first compaction'
		);
	} finally {
		await db.close();
	}
	// These stay in the log: the server is killed below, before it could fold them in on unload.
	for (let i = 5; i < 8; i++) await edit(i);
	editor.close();

	// An Open WebUI instance, imported.
	new World(owui.data, 13).populate({ users: 3, chatsPerUser: 2, catalogEvery: 1 });
	const instance = await addInstance(admin.http, owui, { name: 'Team Chat' });
	expect((await syncNow(admin.http, instance.id)).status).toBe('succeeded');

	reports = Object.fromEntries((await readReports(server.url)).map((r, i) => [REPORTS[i], r]));
	for (const u of users) u.socket.disconnect();
}

/** Bulk rows straight into the database, and a tree row whose parent sorts after it. */
async function addBulkRows(db: TestDb): Promise<void> {
	const [user] = await db.all<{ id: string }>('SELECT "id" FROM "User" ORDER BY "createdAt"');
	const start = Date.parse('2026-11-01T00:00:00Z');
	await db.run('BEGIN');
	for (let i = 0; i < BULK_USAGE_ROWS; i++) {
		await db.run(
			`INSERT INTO "UsageRecord" ("id", "instanceId", "userId", "messageId", "providerName", "model",
			   "promptTokens", "completionTokens", "tokensEstimated", "costUsd", "status", "createdAt")
			 VALUES (?, 'local', ?, ?, 'bulk', 'bulk-model', ?, ?, ?, ?, 'done', ?)`,
			`bulk-${String(i).padStart(6, '0')}`,
			user.id,
			`bulk-message-${i}`,
			i,
			2 * i,
			i % 2 === 0,
			i / 7,
			dbDate(new Date(start + i * 60_000))
		);
	}
	await db.run('COMMIT');
	const [parent] = await db.all<{ id: string; chatId: string }>(
		'SELECT "id", "chatId" FROM "ChatMessage" WHERE "role" = \'assistant\' ORDER BY "id" DESC LIMIT 1'
	);
	await db.run(
		`INSERT INTO "ChatMessage" ("id", "chatId", "parentId", "role", "content", "createdAt", "updatedAt")
		 VALUES (?, ?, ?, 'user', 'a follow-up', ?, ?)`,
		EARLY_ID,
		parent.chatId,
		parent.id,
		dbDate(new Date()),
		dbDate(new Date())
	);
}

beforeAll(async () => {
	dir = mkdtempSync(path.join(tmpdir(), 'parley-db-copy-'));
	openai = await startFakeOpenAI();
	owui = await FakeOpenWebUI.start();
	// The seeded workspace is always on SQLite, whichever database the suite runs on.
	mkdirSync(path.join(dir, 'source'));
	sqliteUrl = `file:${path.join(dir, 'source', 'parley.db')}`;
	env = { ...ENV, ...allowOutbound(openai.url, owui.url) };
	const server = await startServer({
		dataDir: path.join(dir, 'source'),
		env: { ...env, DATABASE_URL: sqliteUrl }
	});
	try {
		await seed(server);
	} finally {
		// Killed rather than stopped: a clean stop would fold the notes' logs into their snapshots.
		await server.kill();
	}
	const db = await openTestDb(sqliteUrl);
	try {
		await addBulkRows(db);
	} finally {
		await db.close();
	}
}, 120_000);

afterAll(async () => {
	await openai?.close();
	await owui?.close();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Column types as PostgreSQL's catalog names them, to read both databases' values alike. */
async function columnTypes(pg: TestDb, table: string): Promise<Map<string, string>> {
	const rows = await pg.all<{ column_name: string; data_type: string }>(
		'SELECT "column_name", "data_type" FROM "information_schema"."columns" WHERE "table_schema" = current_schema() AND "table_name" = ?',
		table
	);
	return new Map(rows.map((r) => [r.column_name, r.data_type]));
}

function normalise(type: string | undefined, value: unknown): unknown {
	if (value === null || value === undefined) return null;
	if (type?.startsWith('timestamp')) {
		if (value instanceof Date) return value.getTime();
		if (typeof value === 'number') return value;
		const text = String(value);
		return Date.parse(
			/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(text) ? `${text.replace(' ', 'T')}Z` : text
		);
	}
	if (type === 'boolean') return Boolean(Number(value));
	if (type === 'bytea') return Buffer.from(value as Uint8Array).toString('hex');
	if (type === 'bigint') return String(value);
	if (type === 'integer' || type === 'double precision') return Number(value);
	return String(value);
}

/** Every row of every Parley table, values normalised, rows sorted: what "identical" compares. */
async function dump(url: string, types: Map<string, Map<string, string>>) {
	const db = await openTestDb(url);
	try {
		const out: Record<string, string[]> = {};
		for (const [table, columns] of types) {
			const rows = await db.all(`SELECT * FROM "${table}"`);
			out[table] = rows
				.map((row) =>
					JSON.stringify(
						[...columns.keys()].sort().map((c) => [c, normalise(columns.get(c), row[c])])
					)
				)
				.sort();
		}
		return out;
	} finally {
		await db.close();
	}
}

async function parleyTables(pgUrl: string): Promise<Map<string, Map<string, string>>> {
	const pg = await openTestDb(pgUrl);
	try {
		const tables = await pg.all<{ tablename: string }>(
			'SELECT "tablename" FROM "pg_tables" WHERE "schemaname" = current_schema() AND "tablename" <> \'_prisma_migrations\' ORDER BY 1'
		);
		const types = new Map<string, Map<string, string>>();
		for (const { tablename } of tables) types.set(tablename, await columnTypes(pg, tablename));
		return types;
	} finally {
		await pg.close();
	}
}

function verificationRows(stdout: string): Map<string, string[]> {
	const rows = new Map<string, string[]>();
	for (const line of stdout.split('\n').slice(1)) {
		const cells = line.trim().split(/\s{2,}/);
		if (cells.length >= 6) rows.set(cells[0], cells);
	}
	return rows;
}

/**
 * The source's database file and what its write-ahead log holds, hashed. (SQLite may create an
 * empty log for a reader: that holds nothing.)
 */
function sourceFiles(): Record<string, string> {
	const file = sqliteUrl.slice('file:'.length);
	return Object.fromEntries(
		[file, `${file}-wal`]
			.filter((f) => existsSync(f) && statSync(f).size > 0)
			.map((f) => [path.basename(f), createHash('sha256').update(readFileSync(f)).digest('hex')])
	);
}

describe('SQLite → PostgreSQL → SQLite', () => {
	let pgUrl: string;
	let backUrl: string;

	beforeAll(async () => {
		pgUrl = await createPostgresDatabase('copy');
		backUrl = `file:${path.join(dir, 'back', 'parley.db')}`;
	});

	it('copies every table to PostgreSQL and verifies it, leaving the source as it was', async () => {
		const before = sourceFiles();
		const { code, stdout, stderr } = await runCli(['db', 'copy', '--to', pgUrl], {
			...env,
			DATABASE_URL: sqliteUrl
		});
		expect(code, stderr).toBe(0);
		expect(sourceFiles()).toEqual(before);
		expect(stderr).toMatch(/^Copying .*parley\.db → postgresql:\/\/127\.0\.0\.1:\d+\/copy_\w+\n/);
		expect(stderr).toMatch(/^✓ UsageRecord\s+1,\d{3} rows\s+[\d,]+ rows\/s$/m);
		expect(stdout).toMatch(
			/^Table\s+Source rows\s+Target rows\s+Source checksum\s+Target checksum$/m
		);
		expect(stdout).toContain('Verified: every table matches.');
		const table = verificationRows(stdout);
		const expected = await parleyTables(pgUrl);
		expect([...table.keys()].sort()).toEqual([...expected.keys()].sort());
		for (const [name, [, sourceRows, targetRows, sourceSum, targetSum, mark]] of table) {
			expect([targetRows, targetSum, mark], name).toEqual([sourceRows, sourceSum, '✓']);
		}
		// Every kind of data was there to copy.
		for (const name of ['Message', 'Reaction', 'ChatMessage', 'NoteUpdate', 'NoteSnapshot']) {
			expect(Number(table.get(name)?.[1].replaceAll(',', '')), name).toBeGreaterThan(0);
		}
		for (const name of ['UsageBucket', 'UsageUserDay', 'InstanceChat', 'InstanceMessage']) {
			expect(Number(table.get(name)?.[1].replaceAll(',', '')), name).toBeGreaterThan(0);
		}
		// The copy's bookkeeping is gone once verified.
		const pg = await openTestDb(pgUrl);
		try {
			expect(
				await pg.all('SELECT "tablename" FROM "pg_tables" WHERE "tablename" LIKE \'_parley%\'')
			).toEqual([]);
		} finally {
			await pg.close();
		}
	}, 120_000);

	it('copies it back to SQLite (--from), and all three hold identical rows', async () => {
		// Batches of two: the early chat reply's parent comes in a later batch.
		const { code, stderr } = await runCli(
			['db', 'copy', '--from', pgUrl, '--to', backUrl, '--batch-size', '2'],
			env
		);
		expect(code, stderr).toBe(0);
		const types = await parleyTables(pgUrl);
		const [original, onPostgres, back] = [
			await dump(sqliteUrl, types),
			await dump(pgUrl, types),
			await dump(backUrl, types)
		];
		expect(original.ChatMessage.some((r) => r.includes(EARLY_ID))).toBe(true);
		expect(original.UsageRecord.length).toBeGreaterThan(BULK_USAGE_ROWS);
		expect(onPostgres).toEqual(original);
		expect(back).toEqual(original);
	}, 120_000);

	it('serves the same usage reports on each copy', async () => {
		// DATA_DIR stays (its secret.key decrypts the copied API keys); DATABASE_URL moves.
		const back = await startServer({
			dataDir: path.join(dir, 'source'),
			env: { ...env, DATABASE_URL: backUrl }
		});
		try {
			const answers = await readReports(back.url);
			expect(Object.fromEntries(answers.map((r, i) => [REPORTS[i], r]))).toEqual(reports);
			expect(answers.every((r) => r.status === 200)).toBe(true);
		} finally {
			await back.stop();
		}
		const onPostgres = await startServer({
			dataDir: path.join(dir, 'source'),
			env: { ...env, DATABASE_URL: pgUrl }
		});
		try {
			const answers = await readReports(onPostgres.url);
			// Usage reports on PostgreSQL arrive with the PostgreSQL usage read model; until then the
			// server answers them as unavailable, and only the rows above are compared.
			if (answers.some((r) => r.status === 503)) {
				expect(answers.map((r) => r.status)).toEqual(REPORTS.map(() => 503));
			} else {
				expect(Object.fromEntries(answers.map((r, i) => [REPORTS[i], r]))).toEqual(reports);
			}
		} finally {
			await onPostgres.stop();
		}
	}, 120_000);

	it('refuses a target that already holds data, and changes nothing in it', async () => {
		const { code, stderr } = await runCli(['db', 'copy', '--to', pgUrl], {
			...env,
			DATABASE_URL: sqliteUrl
		});
		expect(code).toBe(1);
		expect(stderr).toMatch(
			/postgresql:\/\/127\.0\.0\.1:\d+\/copy_\w+ already holds data \(table User is not empty\): copy into a new, empty database\.\n$/
		);
	});
});

describe('an interrupted copy', () => {
	it('continues where it stopped when run again, and ends verified', async () => {
		const target = await createPostgresDatabase('resume');
		// Small batches: many to stop between, and the early chat reply's parent in a later one.
		const args = ['db', 'copy', '--to', target, '--batch-size', '5'];
		const first = startCli(args, { ...env, DATABASE_URL: sqliteUrl });
		const pg = await openTestDb(target);
		try {
			// Stop it hard in the middle of the bulk table: some batches in, some not.
			for (let tries = 0; ; tries++) {
				const progress = await pg
					.all<{ rows: number }>(
						'SELECT "rows" FROM "_parley_copy" WHERE "table" = \'UsageRecord\''
					)
					.catch(() => []);
				if (progress.length && progress[0].rows >= 200) break;
				if (first.child.exitCode !== null || tries > 2000) {
					throw new Error(`the copy ended before it could be interrupted: ${first.stderr()}`);
				}
				await new Promise((r) => setTimeout(r, 5));
			}
			first.child.kill('SIGKILL');
			await first.exited;
			const [partial] = await pg.all<{ n: number }>('SELECT COUNT(*) AS "n" FROM "UsageRecord"');
			const [progress] = await pg.all<{ rows: number; done: number }>(
				'SELECT "rows", "done" FROM "_parley_copy" WHERE "table" = \'UsageRecord\''
			);
			expect(progress.done).toBe(0);
			expect(partial.n).toBe(progress.rows);
			expect(partial.n).toBeLessThan(BULK_USAGE_ROWS);
		} finally {
			await pg.close();
		}

		const second = await runCli(args, { ...env, DATABASE_URL: sqliteUrl });
		expect(second.code, second.stderr).toBe(0);
		expect(second.stderr).toMatch(/^✓ UsageRecord\s+1,\d{3} rows\s+[\d,]+ rows\/s \(resumed\)$/m);
		expect(second.stdout).toMatch(/^Resumed: copied [\d,]+ rows/m);
		expect(second.stdout).toContain('Verified: every table matches.');
		const types = await parleyTables(target);
		expect(await dump(target, types)).toEqual(await dump(sqliteUrl, types));

		// The autoincrement key goes on after the copied keys instead of colliding with them.
		const copiedDb = await openTestDb(target);
		try {
			const [{ max }] = await copiedDb.all<{ max: number }>(
				'SELECT MAX("key") AS "max" FROM "UsageUser"'
			);
			expect(max).toBeGreaterThan(0);
			const [{ key }] = await copiedDb.all<{ key: number }>(
				'INSERT INTO "UsageUser" ("instanceId", "userId") VALUES (\'local\', \'someone-new\') RETURNING "key"'
			);
			expect(key).toBe(max + 1);
		} finally {
			await copiedDb.close();
		}
	}, 120_000);
});
