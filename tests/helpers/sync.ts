/**
 * Helpers for the Open WebUI sync tests: set up an instance on a Parley server, run a sync and wait
 * for its record, and compare what Parley imported with what the fake instance holds.
 */
import type { InstanceView, SyncRunDto } from '#lib/shared/sync.ts';
import { FakeOpenWebUI } from '../fakes/open-webui.ts';
import type { FakeChat, FakeMessage } from '../fakes/open-webui-data.ts';
import type { HttpClient } from './client.ts';
import { parseDbDate, type TestDb } from './database.ts';

/**
 * Fakes started before the server, so their ports can be listed in OUTBOUND_ALLOW
 * (`allowOutbound(...fakes.map((f) => f.url))`); tests take one per instance they add.
 */
export function startFakes(count: number): Promise<FakeOpenWebUI[]> {
	return Promise.all(Array.from({ length: count }, () => FakeOpenWebUI.start()));
}

export async function addInstance(
	admin: HttpClient,
	fake: FakeOpenWebUI,
	fields: Record<string, unknown> = {}
): Promise<InstanceView> {
	const created = await admin.json<InstanceView>('/api/v1/admin/instances', {
		method: 'POST',
		body: {
			name: `owui-${Math.random().toString(36).slice(2, 8)}`,
			baseUrl: fake.url,
			apiKey: fake.options.adminKey,
			scheduled: false,
			...fields
		}
	});
	if (created.status !== 201) {
		throw new Error(`instance: ${created.status} ${JSON.stringify(created.body)}`);
	}
	return created.body;
}

export async function startSync(
	admin: HttpClient,
	instanceId: string,
	body: { full?: boolean } = {}
): Promise<SyncRunDto> {
	const started = await admin.json<{ run: SyncRunDto }>(
		`/api/v1/admin/instances/${instanceId}/sync`,
		{
			method: 'POST',
			body
		}
	);
	if (started.status !== 202) {
		throw new Error(`sync: ${started.status} ${JSON.stringify(started.body)}`);
	}
	return started.body.run;
}

/** Polls the run history until the run has ended. */
export async function waitForRun(
	admin: HttpClient,
	instanceId: string,
	runId: string,
	timeoutMs = 60_000
): Promise<SyncRunDto> {
	const start = Date.now();
	for (;;) {
		const { body } = await admin.json<{ runs: SyncRunDto[] }>(
			`/api/v1/admin/instances/${instanceId}/runs?limit=50`
		);
		const run = body.runs.find((r) => r.id === runId);
		if (run && run.status !== 'running') return run;
		if (Date.now() - start > timeoutMs) throw new Error(`run ${runId} did not end in time`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

export async function syncNow(
	admin: HttpClient,
	instanceId: string,
	body: { full?: boolean } = {}
): Promise<SyncRunDto> {
	const run = await startSync(admin, instanceId, body);
	return waitForRun(admin, instanceId, run.id);
}

export interface Totals {
	users: number;
	chats: number;
	/** Messages of every branch, by role. */
	messages: Record<string, number>;
	byModel: Record<string, [prompt: number, completion: number, answers: number]>;
	byUser: Record<string, [prompt: number, completion: number, answers: number]>;
	byDay: Record<string, [answers: number, userMessages: number]>;
}

const day = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString().slice(0, 10);
const toSeconds = (t: number) => (t > 1e11 ? t / 1000 : t);

function add(map: Record<string, number[]>, key: string, values: number[]) {
	const row = (map[key] ??= values.map(() => 0));
	values.forEach((v, i) => (row[i] += v));
}

/** Characters of a message and its ancestors (the context Parley's estimate counts). */
function pathChars(chat: FakeChat, id: string | null): number {
	let total = 0;
	for (let m = id ? chat.chat.history.messages[id] : undefined; m;) {
		total += m.content.length;
		m = m.parentId ? chat.chat.history.messages[m.parentId] : undefined;
	}
	return total;
}

function tokens(chat: FakeChat, m: FakeMessage): [number, number] {
	const u = (m.usage ?? (m.info?.usage as Record<string, number> | undefined) ?? m.info) as
		Record<string, number> | undefined;
	if (u) {
		const prompt = u.input_tokens ?? u.prompt_tokens ?? u.prompt_eval_count;
		const completion = u.output_tokens ?? u.completion_tokens ?? u.eval_count;
		if (prompt !== undefined || completion !== undefined) return [prompt ?? 0, completion ?? 0];
	}
	return [Math.ceil(pathChars(chat, m.parentId) / 4), Math.ceil(m.content.length / 4)];
}

/** What an exact import of the fake's data must add up to (computed from the fake, independently). */
export function expectedTotals(fake: FakeOpenWebUI): Totals {
	const totals: Totals = { users: 0, chats: 0, messages: {}, byModel: {}, byUser: {}, byDay: {} };
	const { users, chats } = fake.data;
	totals.users = users.size;
	for (const chat of chats.values()) {
		if (!users.has(chat.user_id)) continue;
		totals.chats++;
		for (const m of Object.values(chat.chat.history.messages)) {
			totals.messages[m.role] = (totals.messages[m.role] ?? 0) + 1;
			const d = day(toSeconds(m.timestamp));
			if (m.role === 'user') add(totals.byDay, d, [0, 1]);
			if (m.role !== 'assistant') continue;
			const [prompt, completion] = tokens(chat, m);
			add(totals.byModel, m.model ?? 'unknown', [prompt, completion, 1]);
			add(totals.byUser, chat.user_id, [prompt, completion, 1]);
			add(totals.byDay, d, [1, 0]);
		}
	}
	return totals;
}

type Row = Record<string, number | string>;

/** The UTC day (YYYY-MM-DD) of a DateTime column's value. */
const dayOf = (value: unknown) => parseDbDate(value).toISOString().slice(0, 10);

/** What Parley imported for an instance, leaving out soft-deleted rows (as reports do). */
export async function actualTotals(db: TestDb, instanceId: string): Promise<Totals> {
	const all = <T = Row>(sql: string) => db.all<T>(sql, instanceId);
	const one = async (sql: string) => (await db.get<{ n: number }>(sql, instanceId))?.n ?? 0;
	const totals: Totals = {
		users: await one(
			'SELECT count(*) AS n FROM "InstanceUser" WHERE "instanceId" = ? AND "deletedAt" IS NULL'
		),
		chats: await one(
			'SELECT count(*) AS n FROM "InstanceChat" WHERE "instanceId" = ? AND "deletedAt" IS NULL'
		),
		messages: {},
		byModel: {},
		byUser: {},
		byDay: {}
	};
	for (const r of await all(
		'SELECT "role", count(*) AS n FROM "InstanceMessage" WHERE "instanceId" = ? AND "deletedAt" IS NULL GROUP BY "role"'
	)) {
		totals.messages[r.role] = Number(r.n);
	}
	const usage = (column: string) =>
		all(
			`SELECT "${column}" AS k, sum("promptTokens") AS p, sum("completionTokens") AS c, count(*) AS n FROM "UsageRecord" WHERE "instanceId" = ? AND "deletedAt" IS NULL GROUP BY "${column}"`
		);
	for (const r of await usage('model')) {
		totals.byModel[r.k] = [Number(r.p), Number(r.c), Number(r.n)];
	}
	for (const r of await usage('userId')) {
		totals.byUser[r.k] = [Number(r.p), Number(r.c), Number(r.n)];
	}
	// Days are cut in JavaScript: SQLite stores DateTime as text, PostgreSQL as timestamptz.
	for (const r of await all<{ createdAt: unknown }>(
		'SELECT "createdAt" FROM "UsageRecord" WHERE "instanceId" = ? AND "deletedAt" IS NULL'
	)) {
		add(totals.byDay, dayOf(r.createdAt), [1, 0]);
	}
	for (const r of await all<{ createdAt: unknown }>(
		`SELECT "createdAt" FROM "InstanceMessage" WHERE "instanceId" = ? AND "deletedAt" IS NULL AND "role" = 'user'`
	)) {
		add(totals.byDay, dayOf(r.createdAt), [0, 1]);
	}
	return totals;
}

/** Rows per table for an instance, deleted included: re-runs must never add duplicates. */
export async function rowCounts(db: TestDb, instanceId: string): Promise<Record<string, number>> {
	const tables = ['InstanceUser', 'InstanceChat', 'InstanceMessage', 'InstanceItem', 'UsageRecord'];
	const counts: Record<string, number> = {};
	for (const table of tables) {
		const row = await db.get<{ n: number }>(
			`SELECT count(*) AS n FROM "${table}" WHERE "instanceId" = ?`,
			instanceId
		);
		counts[table] = row?.n ?? 0;
	}
	return counts;
}
