import fc from 'fast-check';
import * as v from 'valibot';
import { beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isPlainObject } from '#lib/server/plain-object.ts';
import { clientEvents, type ClientEventName } from '#lib/shared/events.ts';
import { encodeStep1 } from '#lib/shared/note-sync.ts';
import { ok, RELAXED_LIMITS, waitForEvent, type TestUser } from './helpers/channels.ts';
import type { TestDb } from './helpers/database.ts';
import {
	compact,
	databaseProblems,
	emitCases,
	errorLines,
	fuzzParameters,
	healthWithin,
	overTheWire,
	writeCounter,
	type EmitCase,
	type IdPools
} from './helpers/fuzz.ts';
import { NOTE_TEST_LIMITS } from './helpers/notes.ts';
import { useParley } from './helpers/kit.ts';

/**
 * Every client→server event of the contract (a new one is fuzzed without touching this file) gets
 * PAYLOADS generated payloads, BATCH at a time (runBatch). Per payload: an acknowledgement arrives,
 * it has the contract's shape and is never `internal`, and a payload that cannot pass the event's
 * schema as the server receives it is refused with `validation`. A refused payload commits nothing
 * to the database (checked with a write counter: SQLite's `data_version`, which moves on any commit
 * by the server, or row triggers on PostgreSQL). Per event: /healthz answers within 1 s, the server
 * logged no error, and the database's integrity and foreign-key checks pass.
 */
const PAYLOADS = 1000;
const BATCH = 25;
/** The server's default SOCKET_MAX_PAYLOAD_BYTES (4 MiB), less room for the frame's own bytes. */
const MAX_MESSAGE_BYTES = 4 * 1_048_576 - 1024;

let db: TestDb;
/** Moves whenever the server commits a transaction that changed the database. */
let dataVersion: () => Promise<number>;
let admin: TestUser;
let member: TestUser;
let providerId: string;
let modelId: string;

const env = {
	...RELAXED_LIMITS,
	...NOTE_TEST_LIMITS,
	// Nothing may write on its own while a batch runs: no scheduled syncs, no note unloading.
	SYNC_SCHEDULER_TICK_MS: '0',
	NOTE_UNLOAD_AFTER_MS: '3600000',
	NOTE_COMPACT_AFTER_UPDATES: '1000000'
};
const server = useParley(
	{ env, fakeProvider: true },
	async (kit) => {
		db = await kit.db();
		dataVersion = await writeCounter(db);
		admin = await kit.user('Fuzz Admin');
		member = await kit.user('Fuzz Member');
		modelId = await kit.setUpProvider(admin);
		providerId = String(
			(await db.get('SELECT "providerId" FROM "ProviderModel" WHERE "id" = ?', modelId))?.providerId
		);
		await setProvider(false);
	},
	120_000
);

// A test that lost the socket (a failure it reports) leaves the next one a connected socket.
beforeEach(async () => {
	if (admin.socket.connected) return;
	admin.socket.disconnect();
	admin.socket = await server.socket(admin.http);
});

/**
 * The provider stays disabled while payloads fly: an accepted `chat:send` would otherwise start an
 * answer whose writes land during later batches. Chats get their messages while it is enabled.
 */
async function setProvider(enabled: boolean): Promise<void> {
	const { status } = await admin.http.json(`/api/v1/admin/providers/${providerId}`, {
		method: 'PATCH',
		body: { enabled }
	});
	if (status !== 200) throw new Error(`provider: ${status}`);
}

/** A chat with one finished exchange (the title is set, so no title is written later). */
async function chatWithAnswer(): Promise<{ chatId: string; messageIds: string[] }> {
	await setProvider(true);
	try {
		const chat = await ok(admin.socket, 'chat:create', { title: 'fuzz chat', modelId });
		const done = waitForEvent(
			admin.socket,
			'chat:message',
			(m) => m.role === 'assistant' && m.status === 'done'
		);
		const pair = await ok(admin.socket, 'chat:send', {
			chatId: chat.id,
			content: 'hello [[tokens=3]]',
			parentId: null,
			clientId: `fuzz-${Date.now()}-${Math.random()}`
		});
		await done;
		return { chatId: chat.id, messageIds: [pair.user.id, pair.assistant.id] };
	} finally {
		await setProvider(false);
	}
}

/**
 * Fresh things for one event's payloads to hit, so ids are real even after earlier events deleted,
 * archived or left what they were given.
 */
async function freshPools(event: string): Promise<IdPools> {
	const s = admin.socket;
	const tag = `${event} ${Date.now()}`;
	const open = await ok(s, 'channel:create', {
		kind: 'public',
		name: `fuzz ${tag}`.slice(0, 80),
		memberIds: [member.id]
	});
	const closed = await ok(s, 'channel:create', {
		kind: 'private',
		name: `private ${tag}`.slice(0, 80)
	});
	const dm = await ok(s, 'dm:open', { userIds: [member.id] });
	const root = await ok(s, 'message:send', {
		channelId: open.id,
		clientId: `root-${tag}`,
		body: 'root'
	});
	const reply = await ok(s, 'message:send', {
		channelId: open.id,
		clientId: `reply-${tag}`,
		body: 'reply',
		parentId: root.id
	});
	await ok(s, 'message:react', { messageId: root.id, emoji: '👍' });
	const note = await ok(s, 'note:create', { title: `note ${tag}`.slice(0, 100) });
	const shared = await ok(s, 'note:create', { title: `shared ${tag}`.slice(0, 100) });
	await ok(s, 'note:share', { noteId: shared.id, userId: member.id, role: 'editor' });
	const trashed = await ok(s, 'note:create', { title: `trashed ${tag}`.slice(0, 100) });
	await ok(s, 'note:delete', { noteId: trashed.id });
	// Load both documents now, so a join during the batch reads them instead of creating them; stay
	// in them for the events that need a joined note, so their binary payloads reach the decoder.
	const stayJoined = event === 'note:sync' || event === 'note:awareness';
	for (const id of [note.id, shared.id]) {
		await ok(s, 'note:join', { noteId: id, message: encodeStep1(new Y.Doc()) });
		if (!stayJoined) await ok(s, 'note:leave', { noteId: id });
	}
	const chat = event.startsWith('chat') ? await chatWithAnswer() : null;
	const channel = [open.id, closed.id, dm.id];
	const message = [root.id, reply.id, ...(chat?.messageIds ?? [])];
	const user = [admin.id, member.id];
	const notes = [note.id, shared.id, trashed.id];
	const chats = chat ? [chat.chatId] : [];
	return {
		channel,
		message,
		user,
		note: notes,
		chat: chats,
		model: [modelId],
		any: [...channel, ...message, ...user, ...notes, ...chats, modelId]
	};
}

interface Prepared {
	sent: EmitCase;
	/** Whether the payload passes the event's schema as the server will receive it. */
	valid: boolean;
}

interface Outcome extends Prepared {
	ack: Record<string, unknown> | null;
}

/** Works out what the server will receive; null for a message too large to send (see below). */
async function prepare(event: ClientEventName, sent: EmitCase): Promise<Prepared | null> {
	const { args, bytes } = await overTheWire(event, sent.args);
	// Messages over SOCKET_MAX_PAYLOAD_BYTES close the connection (realtime-events and fuzz-frames
	// test that): not sent here, where the socket must outlive the batch.
	if (bytes > MAX_MESSAGE_BYTES) return null;
	const schema = clientEvents[event].input as v.GenericSchema;
	const valid = args.length === 1 && isPlainObject(args[0]) && v.safeParse(schema, args[0]).success;
	return { sent, valid };
}

async function emit(event: ClientEventName, { sent, valid }: Prepared): Promise<Outcome> {
	const raw = admin.socket as unknown as {
		emit(event: string, ...args: unknown[]): void;
		timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
	};
	// Without an ack there is no telling when an accepted payload's write lands, which would race
	// the database checks: only payloads the schema refuses go without one.
	if (!sent.withAck && !valid) {
		raw.emit(event, ...sent.args);
		return { sent, valid, ack: null };
	}
	const ack = await raw.timeout(10_000).emitWithAck(event, ...sent.args);
	return { sent, valid, ack: ack as Record<string, unknown> };
}

/** Changes whenever the server commits a transaction that changed the database. */

function describeCase(outcome: Outcome): string {
	return `args ${compact(outcome.sent.args)} → ${compact(outcome.ack)}`;
}

function checkAck(outcome: Outcome): void {
	const { ack } = outcome;
	if (!ack) return;
	const where = describeCase(outcome);
	if (ack.ok === true) {
		expect(Object.hasOwn(ack, 'data'), where).toBe(true);
		expect(outcome.valid, `accepted a payload the schema refuses: ${where}`).toBe(true);
		return;
	}
	expect(ack.ok, where).toBe(false);
	const error = ack.error as { code?: unknown; message?: unknown };
	expect(typeof error?.code, where).toBe('string');
	expect(typeof error.message === 'string' && error.message.length > 0, where).toBe(true);
	expect(error.code, where).not.toBe('internal');
	if (!outcome.valid) expect(error.code, where).toBe('validation');
}

/**
 * One batch: first every payload the schema refuses, all at once (none may write anything), then
 * the rest. Those go all at once on even runs, which finds races between them (then nothing may
 * be written unless one was accepted), and one by one on odd runs, where each refused one must
 * have written nothing.
 */
async function runBatch(event: ClientEventName, batch: EmitCase[], run: number) {
	const prepared = (await Promise.all(batch.map((sent) => prepare(event, sent)))).filter(
		(p): p is Prepared => p !== null
	);
	const outcomes: Outcome[] = [];
	const refusable = prepared.filter((p) => !p.valid);
	let version = await dataVersion();
	const refused = await Promise.all(refusable.map((p) => emit(event, p)));
	refused.forEach(checkAck);
	outcomes.push(...refused);
	expect(await dataVersion(), 'a payload the schema refuses wrote to the database').toBe(version);

	const acceptable = prepared.filter((p) => p.valid);
	if (run % 2 === 0) {
		version = await dataVersion();
		const answered = await Promise.all(acceptable.map((p) => emit(event, p)));
		answered.forEach(checkAck);
		outcomes.push(...answered);
		if (!answered.some((o) => o.ack?.ok === true)) {
			expect(await dataVersion(), 'refused payloads wrote to the database').toBe(version);
		}
	} else {
		for (const p of acceptable) {
			version = await dataVersion();
			const outcome = await emit(event, p);
			checkAck(outcome);
			outcomes.push(outcome);
			if (outcome.ack?.ok !== true) {
				expect(await dataVersion(), `a refused payload wrote: ${describeCase(outcome)}`).toBe(
					version
				);
			}
		}
	}
	return outcomes;
}

describe('fuzzing every client→server socket event', () => {
	for (const event of Object.keys(clientEvents) as ClientEventName[]) {
		it(`${event}: ${PAYLOADS} generated payloads`, async () => {
			const schema = clientEvents[event].input as Parameters<typeof emitCases>[0];
			const pools = await freshPools(event);
			const logsBefore = server.logs.length;
			const codes = new Map<string, number>();
			let run = 0;
			await fc.assert(
				fc.asyncProperty(
					fc.array(emitCases(schema, pools), { minLength: BATCH, maxLength: BATCH }),
					async (batch) => {
						for (const { ack } of await runBatch(event, batch, run++)) {
							const code = !ack
								? 'no ack'
								: ack.ok
									? 'ok'
									: String((ack.error as { code: unknown }).code);
							codes.set(code, (codes.get(code) ?? 0) + 1);
						}
					}
				),
				fuzzParameters(PAYLOADS / BATCH)
			);

			// Some payloads must get past validation, or the generators have stopped reaching the
			// services behind this event.
			const reached = [...codes].filter(([code]) => code !== 'validation' && code !== 'no ack');
			expect(reached, JSON.stringify(Object.fromEntries(codes))).not.toEqual([]);
			expect(await healthWithin(server.url, 1000)).toBe(200);
			expect(admin.socket.connected).toBe(true);
			await ok(admin.socket, 'ping', { nonce: 'after' });
			// Lines of another event's test (its last batch's lines may arrive late) are not this one's.
			const errors = errorLines(server.logs, logsBefore).filter(
				(line) => line.event === undefined || line.event === event
			);
			expect(errors).toEqual([]);
			expect(await databaseProblems(db)).toEqual({ integrity: 'ok', foreignKeys: [] });
		}, 180_000);
	}
});
