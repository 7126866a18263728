import type { ChatDelta, ChatMessageDto } from '#lib/shared/chats.ts';
import { ok, type TestUser } from './channels.ts';
import type { HttpClient, TestSocket } from './client.ts';
import { openTestDb, parseDbDate, type TestDb } from './database.ts';
import type { TestServer } from './server.ts';

/** Adds a provider pointing at the fake server and enables its models; returns the default model id. */
export async function setUpProvider(
	admin: HttpClient,
	baseUrl: string,
	apiKey = ''
): Promise<string> {
	const created = await admin.json<{ id: string }>('/api/v1/admin/providers', {
		method: 'POST',
		body: { name: `fake-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, baseUrl, apiKey }
	});
	if (created.status !== 201) {
		throw new Error(`provider: ${created.status} ${JSON.stringify(created.body)}`);
	}
	const refreshed = await admin.json<{ models: { id: string }[] }>(
		`/api/v1/admin/providers/${created.body.id}/models`,
		{ method: 'POST' }
	);
	const [first, ...rest] = refreshed.body.models;
	await admin.json(`/api/v1/admin/models/${first.id}`, {
		method: 'PATCH',
		body: { isDefault: true, inputPricePerMTok: 1, outputPricePerMTok: 2 }
	});
	for (const model of rest) {
		await admin.json(`/api/v1/admin/models/${model.id}`, {
			method: 'PATCH',
			body: { enabled: true }
		});
	}
	return first.id;
}

/**
 * Assembles streaming answers from `chat:delta` events the way a tab does: apply at the offset,
 * skip what is already there. Start it from a snapshot to model a tab that opened mid-stream.
 */
export class AnswerAssembler {
	readonly texts = new Map<string, { content: string; reasoning: string }>();
	readonly finals = new Map<string, ChatMessageDto>();
	gaps = 0;
	readonly #awaitSeed: boolean;
	readonly #held = new Map<string, ChatDelta[]>();

	/**
	 * With `awaitSeed`, deltas of an answer are held until `seed()` gives its snapshot, like a tab
	 * that listens before it sends `chat:open` and applies what arrived meanwhile afterwards.
	 */
	constructor(socket: TestSocket, options: { awaitSeed?: boolean } = {}) {
		this.#awaitSeed = options.awaitSeed ?? false;
		socket.on('chat:delta', (delta) => this.apply(delta));
		socket.on('chat:message', (message) => {
			if (message.status !== 'streaming') this.finals.set(message.id, message);
		});
	}

	seed(message: ChatMessageDto): void {
		this.texts.set(message.id, { content: message.content, reasoning: message.reasoning });
		const held = this.#held.get(message.id) ?? [];
		this.#held.delete(message.id);
		for (const delta of held) this.apply(delta);
	}

	apply(delta: ChatDelta): void {
		if (this.#awaitSeed && !this.texts.has(delta.messageId)) {
			this.#held.set(delta.messageId, [...(this.#held.get(delta.messageId) ?? []), delta]);
			return;
		}
		const text = this.texts.get(delta.messageId) ?? { content: '', reasoning: '' };
		const have = text[delta.field].length;
		if (delta.offset > have) {
			this.gaps++;
			return;
		}
		text[delta.field] += delta.text.slice(have - delta.offset);
		this.texts.set(delta.messageId, text);
	}

	/** Resolves with the final message once the answer has ended. */
	async final(messageId: string, timeoutMs = 10_000): Promise<ChatMessageDto> {
		const start = Date.now();
		while (!this.finals.has(messageId)) {
			if (Date.now() - start > timeoutMs) throw new Error(`answer ${messageId} did not end`);
			await new Promise((r) => setTimeout(r, 20));
		}
		return this.finals.get(messageId) as ChatMessageDto;
	}
}

export async function newChat(user: TestUser): Promise<string> {
	return (await ok(user.socket, 'chat:create', {})).id;
}

/** The fake provider's default answer: `t0 t1 … t{n-1} ` (each token followed by a space). */
export function fakeTokens(count: number, prefix = 't'): string {
	return Array.from({ length: count }, (_, i) => `${prefix}${i} `).join('');
}

/** Polls `probe` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function until<T>(
	probe: () => T | Promise<T>,
	what: string,
	timeoutMs = 10_000,
	everyMs = 10
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, everyMs));
	}
}

/** A ChatMessage row, the same on both databases (see `ChatDb`). */
export interface MessageRow {
	id: string;
	chatId: string;
	parentId: string | null;
	role: string;
	content: string;
	reasoning: string;
	status: string;
	error: string | null;
	modelId: string | null;
	modelName: string;
	promptTokens: number | null;
	completionTokens: number | null;
	tokensEstimated: boolean;
	ttftMs: number | null;
	durationMs: number | null;
	createdAt: string;
	updatedAt: string;
}

/** A UsageRecord row, the same on both databases (see `ChatDb`). */
export interface UsageRow {
	userId: string;
	chatId: string | null;
	messageId: string;
	providerName: string;
	model: string;
	promptTokens: number;
	completionTokens: number;
	tokensEstimated: boolean;
	costUsd: number;
	ttftMs: number | null;
	durationMs: number | null;
	status: string;
	createdAt: string;
	deletedAt: string | null;
}

const BOOLEAN_COLUMNS = ['tokensEstimated'];
const DATE_COLUMNS = ['createdAt', 'updatedAt', 'deletedAt'];

/**
 * A row as the tests compare it on either database: booleans as booleans (SQLite stores 0/1) and
 * dates as ISO-8601 text in UTC (SQLite stores text, PostgreSQL hands over Dates).
 */
function neutral<T>(row: Record<string, unknown> | undefined): T | undefined {
	if (!row) return undefined;
	const out = { ...row };
	for (const column of BOOLEAN_COLUMNS) {
		if (typeof out[column] === 'number') out[column] = out[column] === 1;
	}
	for (const column of DATE_COLUMNS) {
		if (out[column] != null) out[column] = parseDbDate(out[column]).toISOString();
	}
	return out as T;
}

/**
 * Reads the server's database directly (a second connection beside the server's), so tests see
 * what was persisted rather than what the API chooses to show.
 */
export class ChatDb {
	readonly #db: TestDb;

	private constructor(db: TestDb) {
		this.#db = db;
	}

	static async open(server: TestServer): Promise<ChatDb> {
		return new ChatDb(await openTestDb(server.databaseUrl));
	}

	async message(id: string): Promise<MessageRow | undefined> {
		return neutral(await this.#db.get('SELECT * FROM "ChatMessage" WHERE "id" = ?', id));
	}

	/** The chat's messages, oldest first. */
	async messages(chatId: string): Promise<MessageRow[]> {
		const rows = await this.#db.all(
			'SELECT * FROM "ChatMessage" WHERE "chatId" = ? ORDER BY "createdAt", "id"',
			chatId
		);
		return rows.map((row) => neutral<MessageRow>(row) as MessageRow);
	}

	/** How many chat messages exist in the whole database. */
	async messageCount(): Promise<number> {
		return this.#count('ChatMessage');
	}

	async usage(messageId: string): Promise<UsageRow | undefined> {
		return neutral(
			await this.#db.get('SELECT * FROM "UsageRecord" WHERE "messageId" = ?', messageId)
		);
	}

	async usageCount(): Promise<number> {
		return this.#count('UsageRecord');
	}

	async chat(id: string): Promise<{ title: string; currentLeafId: string | null } | undefined> {
		return this.#db.get('SELECT "title", "currentLeafId" FROM "Chat" WHERE "id" = ?', id);
	}

	close(): Promise<void> {
		return this.#db.close();
	}

	async #count(table: string): Promise<number> {
		const row = await this.#db.get<{ n: number }>(`SELECT count(*) AS n FROM "${table}"`);
		return row?.n ?? 0;
	}
}
