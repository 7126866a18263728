/**
 * Hostile Yjs updates through the real socket to a real server: hand-made ones (self-references,
 * references to later structs, bad attribute types, deep nesting, huge lengths, yjs #687 shapes),
 * a quadratic one for the worker, random bytes (fast-check), and repetition until the connection is
 * closed. In every case the sender gets an error ack, the other editors stay connected and see
 * nothing, the note is unchanged and still loads and exports, and /healthz answers within 1 s.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import type { ErrorCode } from '#lib/shared/errors.ts';
import { encodeUpdate } from '#lib/shared/note-sync.ts';
import { ok, type TestUser } from './helpers/channels.ts';
import { disconnected, type HttpClient } from './helpers/client.ts';
import { HARMLESS, hostileUpdates, nestedBlockquotes } from './helpers/hostile-updates.ts';
import {
	appendText,
	content,
	NOTE_TEST_LIMITS,
	RawNoteClient,
	serverState,
	sharedNote,
	until
} from './helpers/notes.ts';
import { withTestDb } from './helpers/database.ts';
import type { TestServer } from './helpers/server.ts';
import { useParley } from './helpers/kit.ts';

const REFUSALS: ErrorCode[] = ['malformed_update', 'out_of_sync'];

async function healthy(server: TestServer): Promise<void> {
	const response = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(1000) });
	expect(response.status).toBe(200);
}

async function exportsWork(http: HttpClient, noteId: string): Promise<string> {
	const html = await http.request(`/api/v1/notes/${noteId}/export?format=html`);
	expect(html.status).toBe(200);
	const md = await http.request(`/api/v1/notes/${noteId}/export?format=md`);
	expect(md.status).toBe(200);
	return md.text();
}

describe('hostile updates from an editor', () => {
	let ana: TestUser;
	let bo: TestUser;
	let cy: TestUser;
	let noteId: string;
	let anaClient: RawNoteClient;
	let boClient: RawNoteClient;
	let cyClient: RawNoteClient;

	const server = useParley({ env: NOTE_TEST_LIMITS }, async (kit) => {
		[ana, bo, cy] = await kit.users('Ana', 'Bo', 'Cy');
		noteId = await sharedNote(ana, [{ user: bo }, { user: cy }]);
		[anaClient, boClient, cyClient] = [ana, bo, cy].map((u) => new RawNoteClient(u.socket, noteId));
		for (const client of [anaClient, boClient, cyClient]) await client.join();
		expect(
			(await anaClient.edit((doc) => appendText(doc, 'Hello from Ana, a few words.'))).ok
		).toBe(true);
		await until(() => content(boClient.doc).includes('a few words'), 'Bo has the text');
		await until(() => content(cyClient.doc).includes('a few words'), 'Cy has the text');
	});

	/** Sends `update` from Bo and checks the whole contract; `harmless` ones may be accepted. */
	async function attack(name: string, send: () => ReturnType<RawNoteClient['send']>) {
		const before = await serverState(ana.http, noteId);
		const seen = [anaClient.received.length, cyClient.received.length];
		const result = await send();
		const harmless = HARMLESS.has(name);
		if (!harmless || !result.ok) {
			expect(result.ok, `${name}: ${JSON.stringify(result)}`).toBe(false);
			if (!result.ok) expect(REFUSALS, name).toContain(result.error.code);
		}
		await ok(ana.socket, 'ping', { nonce: 'flush' });
		await ok(cy.socket, 'ping', { nonce: 'flush' });
		for (const u of [ana, bo, cy]) expect(u.socket.connected, name).toBe(true);
		const after = await serverState(ana.http, noteId);
		expect(after.content, name).toBe(before.content);
		if (!result.ok) {
			expect([anaClient.received.length, cyClient.received.length], name).toEqual(seen);
			expect(after.state, name).toBe(before.state);
		}
		expect(content(cyClient.doc), name).toBe(after.content);
		await healthy(server);
		await exportsWork(ana.http, noteId);
	}

	it('refuses every hand-made hostile update to the sender alone', async () => {
		const updates = hostileUpdates(boClient.doc);
		expect(updates.length).toBeGreaterThan(30);
		for (const [name, update] of updates) await attack(name, () => boClient.send(update));
		// The same as step 2 (a sync reply) instead of an update message.
		for (const [name, update] of updates.slice(0, 5)) {
			const step2 = encodeUpdate(update);
			step2[0] = 1;
			await attack(name, () => boClient.sendRaw(step2));
		}
		// The note still takes real edits from everyone afterwards.
		expect((await boClient.edit((doc) => appendText(doc, ' Bo was here.'))).ok).toBe(true);
		await until(() => content(cyClient.doc).includes('Bo was here'), 'the edit after the attacks');
	});

	it('repeating bad updates in a burst neither slows the server nor disturbs the editors', async () => {
		const updates = new Map(hostileUpdates(boClient.doc));
		const selfReference = updates.get('self-reference');
		const wrongType = updates.get('link whose href is a number');
		if (!selfReference || !wrongType) throw new Error('missing hostile updates');
		const burst = Array.from({ length: 300 }, (_, i) =>
			boClient.send(i % 2 ? selfReference : wrongType)
		);
		const typing = (async () => {
			for (let i = 0; i < 20; i++) {
				const result = await anaClient.edit((doc) => appendText(doc, `${i}`));
				expect(result.ok).toBe(true);
			}
		})();
		const health = (async () => {
			for (let i = 0; i < 10; i++) await healthy(server);
		})();
		const results = await Promise.all(burst);
		await Promise.all([typing, health]);
		expect(results.filter((r) => r.ok)).toEqual([]);
		await until(() => content(cyClient.doc).includes('19'), 'Ana’s typing reached Cy');
		expect((await serverState(ana.http, noteId)).content).toBe(content(cyClient.doc));
		expect(bo.socket.connected).toBe(true);
	});

	it('checks a large update in the worker thread: refused alike, and the next big paste works', async () => {
		const deep = nestedBlockquotes(20_000, 0x7777);
		expect(deep.length).toBeGreaterThan(64 * 1024);
		await attack('nesting 20,000 deep, in the worker', () => boClient.send(deep));
		const paste = 'pasted '.repeat(20_000);
		expect((await boClient.edit((doc) => appendText(doc, paste))).ok).toBe(true);
		await until(() => content(cyClient.doc).includes(paste), 'the paste reached Cy');
	});

	it('random bytes (fast-check): every message is acknowledged, the editors stay in step', async () => {
		const valid = (() => {
			const copy = new Y.Doc();
			Y.applyUpdate(copy, Y.encodeStateAsUpdate(boClient.doc));
			const vector = Y.encodeStateVector(copy);
			appendText(copy, '!');
			return Y.encodeStateAsUpdate(copy, vector);
		})();
		const mutated = fc
			.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean())
			.map(([at, byte, cut]) => {
				const bytes = Uint8Array.from(valid);
				bytes[at] = byte;
				return cut ? bytes.slice(0, at + 1) : bytes;
			});
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated),
				fc.boolean(),
				async (bytes, asMessage) => {
					const result = asMessage ? await boClient.sendRaw(bytes) : await boClient.send(bytes);
					if (!result.ok) expect([...REFUSALS, 'not_joined']).toContain(result.error.code);
					expect(bo.socket.connected).toBe(true);
				}
			),
			{ numRuns: 300 }
		);
		await ok(cy.socket, 'ping', { nonce: 'flush' });
		const after = await serverState(ana.http, noteId);
		expect(content(cyClient.doc)).toBe(after.content);
		await healthy(server);
		await exportsWork(ana.http, noteId);
	});
});

describe('the malformed-update budget', () => {
	const server = useParley({ env: { ...NOTE_TEST_LIMITS, NOTE_MAX_MALFORMED_UPDATES: '5' } });

	it('closes a connection after NOTE_MAX_MALFORMED_UPDATES refusals; others are unaffected', async () => {
		const [owner, attacker] = await server.users('Owner', 'Attacker');
		const id = await sharedNote(owner, [{ user: attacker }]);
		const watcher = new RawNoteClient(owner.socket, id);
		const client = new RawNoteClient(attacker.socket, id);
		await watcher.join();
		await client.join();
		expect((await watcher.edit((doc) => appendText(doc, 'Keep me.'))).ok).toBe(true);
		await until(() => content(client.doc).includes('Keep me'), 'the attacker has the text');
		const [, bad] = hostileUpdates(client.doc)[0];
		for (let i = 0; i < 5; i++) {
			expect(await client.send(bad)).toMatchObject({
				ok: false,
				error: { code: 'malformed_update' }
			});
			expect(attacker.socket.connected).toBe(true);
		}
		const closing = disconnected(attacker.socket);
		const last = await client.send(bad);
		expect(last).toMatchObject({ ok: false, error: { code: 'malformed_update' } });
		if (!last.ok) expect(last.error.message).toMatch(/too many malformed changes and is closed/);
		// A server-side disconnect: socket.io-client does not reconnect by itself.
		expect(await closing).toBe('io server disconnect');
		// The log line comes over the server's stdout, which may lag behind the socket.
		await expect
			.poll(() =>
				server.logs.some((l) => l.msg === 'too many malformed note updates; closing the connection')
			)
			.toBe(true);

		expect(owner.socket.connected).toBe(true);
		expect((await watcher.edit((doc) => appendText(doc, ' Still here.'))).ok).toBe(true);
		expect((await serverState(owner.http, id)).content).toBe(content(watcher.doc));
		await healthy(server);
		// Out-of-sync updates are no offence: an honest client that fell behind is never cut off.
		const honest = await server.user('Honest');
		await ok(owner.socket, 'note:share', { noteId: id, userId: honest.id, role: 'editor' });
		const behind = new RawNoteClient(honest.socket, id);
		await behind.join();
		const elsewhere = new Y.Doc();
		Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(behind.doc));
		appendText(elsewhere, ' first');
		const vector = Y.encodeStateVector(elsewhere);
		appendText(elsewhere, ' second');
		for (let i = 0; i < 8; i++) {
			expect(await behind.send(Y.encodeStateAsUpdate(elsewhere, vector))).toMatchObject({
				ok: false,
				error: { code: 'out_of_sync' }
			});
		}
		expect(honest.socket.connected).toBe(true);
		for (const u of [owner, honest]) u.socket.disconnect();
	});
});

describe('notes stored before the checks', () => {
	const server = useParley({ env: NOTE_TEST_LIMITS });

	it('a number href, a string heading level and 1,000 levels of nesting load, render and export', async () => {
		const ana = await server.user('Ana');
		const noteId = (await ok(ana.socket, 'note:create', { title: 'Old note' })).id;
		await withTestDb(server, async (db) => {
			// The note as the old server stored it: its seed snapshot, then an unchecked update.
			const seed = await db.get<{ state: Uint8Array }>(
				'SELECT "state" FROM "NoteSnapshot" WHERE "noteId" = ?',
				noteId
			);
			const doc = new Y.Doc();
			if (seed) Y.applyUpdate(doc, seed.state);
			const vector = Y.encodeStateVector(doc);
			doc.transact(() => {
				const fragment = doc.getXmlFragment(NOTE_FIELD);
				const heading = new Y.XmlElement('heading');
				heading.setAttribute('level', '2' as never);
				heading.insert(0, [new Y.XmlText('Old title')]);
				const paragraph = new Y.XmlElement('paragraph');
				const text = new Y.XmlText();
				paragraph.insert(0, [text]);
				const code = new Y.XmlElement('codeBlock');
				code.setAttribute('language', 'js\n```\n<script>alert(1)</script>');
				code.insert(0, [new Y.XmlText('let a = 1;')]);
				const outer = new Y.XmlElement('blockquote');
				fragment.insert(fragment.length, [heading, paragraph, code, outer]);
				// One level at a time: Yjs integrates a nested prelim tree recursively.
				let parent = outer;
				for (let i = 1; i < 1000; i++) {
					const inner = new Y.XmlElement('blockquote');
					parent.insert(0, [inner]);
					parent = inner;
				}
				const deep = new Y.XmlElement('paragraph');
				parent.insert(0, [deep]);
				deep.insert(0, [new Y.XmlText('deep down')]);
				text.insert(0, '<img src=x onerror=alert(1)> and a link');
				text.format(35, 4, { link: { href: 5 } });
			});
			const update = Y.encodeStateAsUpdate(doc, vector);
			const last = await db.get<{ seq: number | null }>(
				'SELECT max("seq") AS seq FROM "NoteUpdate" WHERE "noteId" = ?',
				noteId
			);
			await db.run(
				'INSERT INTO "NoteUpdate" ("noteId", "seq", "data", "userId") VALUES (?, ?, ?, NULL)',
				noteId,
				(last?.seq ?? 0) + 1,
				update
			);
		});

		const client = new RawNoteClient(ana.socket, noteId);
		expect((await client.join()).ok).toBe(true);
		await expect
			.poll(() =>
				server.logs.some((l) => l.msg === 'repaired attributes that do not fit the schema')
			)
			.toBe(true);
		// The editor gets a note its schema can render: no link with a number href, a number level.
		const fragment = client.doc.getXmlFragment(NOTE_FIELD);
		const heading = fragment
			.toArray()
			.find((n) => n instanceof Y.XmlElement && n.nodeName === 'heading') as Y.XmlElement;
		expect(heading.getAttribute('level')).toBe(2);
		const marks = fragment
			.toArray()
			.flatMap((n) => (n instanceof Y.XmlElement ? n.toArray() : []))
			.filter((n): n is Y.XmlText => n instanceof Y.XmlText)
			.flatMap((t) => t.toDelta() as { attributes?: { link?: { href?: unknown } } }[]);
		expect(
			marks.every(
				(op) => op.attributes?.link === undefined || typeof op.attributes.link.href === 'string'
			)
		).toBe(true);

		const md = await exportsWork(ana.http, noteId);
		expect(md).toContain('## Old title');
		expect(md).toContain('&lt;img src=x onerror=alert(1)> and a link');
		expect(md).not.toMatch(/(^|[^\\])<(img|script)/m);
		expect(md).toContain('```\nlet a = 1;\n```');
		expect(md).toContain('deep down');
		const html = await (
			await ana.http.request(`/api/v1/notes/${noteId}/export?format=html`)
		).text();
		expect(html).not.toContain('<img');
		expect(html).toContain('deep down');
		ana.socket.disconnect();
	});
});
