import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import type { ErrorCode } from '#lib/shared/errors.ts';
import { encodeUpdate } from '#lib/shared/note-sync.ts';
import { call, ok, type TestUser } from './helpers/channels.ts';
import { emitWithAck } from './helpers/client.ts';
import {
	appendText,
	content,
	NOTE_TEST_LIMITS,
	RawNoteClient,
	serverContent,
	sharedNote,
	until
} from './helpers/notes.ts';
import { useParley } from './helpers/kit.ts';

const MAX_UPDATE = 64 * 1024;
const MAX_DOCUMENT = 400 * 1024;

let ana: TestUser;
let bo: TestUser;
let noteId: string;
let anaClient: RawNoteClient;
let boClient: RawNoteClient;

const env = {
	...NOTE_TEST_LIMITS,
	NOTE_MAX_UPDATE_BYTES: String(MAX_UPDATE),
	NOTE_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT),
	NOTE_MAX_AWARENESS_BYTES: '2048'
};
useParley({ env }, async (kit) => {
	[ana, bo] = await kit.users('Ana', 'Bo');
	noteId = await sharedNote(ana, [{ user: bo }]);
	anaClient = new RawNoteClient(ana.socket, noteId);
	boClient = new RawNoteClient(bo.socket, noteId);
	await anaClient.join();
	await boClient.join();
	expect((await boClient.edit((doc) => appendText(doc, 'Hello from Bo. '))).ok).toBe(true);
	await until(() => content(anaClient.doc).includes('Hello from Bo'), 'first relay');
});

/**
 * Runs an attack from Bo and checks that it was refused with one of `codes`, that the stored
 * document did not change, that Ana received nothing, and that Bo's connection still works.
 */
async function refused(codes: ErrorCode[], attack: () => Promise<unknown>): Promise<void> {
	const before = await serverContent(ana.http, noteId);
	const received = anaClient.received.length;
	const result = (await attack()) as { ok: boolean; error?: { code: ErrorCode } };
	expect(result.ok, JSON.stringify(result)).toBe(false);
	expect(codes).toContain(result.error?.code);
	await ok(ana.socket, 'ping', { nonce: 'flush' });
	expect(anaClient.received.length).toBe(received);
	expect(await serverContent(ana.http, noteId)).toBe(before);
	expect(bo.socket.connected).toBe(true);
}

/** The update Bo's document would send for `change`, without sending it. */
function updateFor(change: (doc: Y.Doc) => void, base: Y.Doc = boClient.doc): Uint8Array {
	const copy = new Y.Doc();
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(base));
	const vector = Y.encodeStateVector(copy);
	change(copy);
	return Y.encodeStateAsUpdate(copy, vector);
}

describe('malformed sync messages', () => {
	it('refuses random bytes, as messages and as updates', async () => {
		let seed = 7;
		const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 256;
		for (let i = 0; i < 60; i++) {
			const bytes = Uint8Array.from({ length: 1 + (i % 40) }, rand);
			await refused(['malformed_update', 'out_of_sync'], () => boClient.sendRaw(bytes));
			await refused(['malformed_update', 'out_of_sync'], () => boClient.send(bytes));
		}
	});

	it('refuses every truncation of a real update without applying any part of it', async () => {
		const update = updateFor((doc) => {
			appendText(doc, ' more text');
			const text = (doc.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
			text.delete(0, 3);
		});
		expect(update.length).toBeGreaterThan(20);
		for (let cut = 1; cut < update.length; cut += Math.max(1, Math.floor(update.length / 40))) {
			await refused(['malformed_update'], () => boClient.send(update.slice(0, cut)));
		}
		// Cut inside the delete set (the end), where Yjs would otherwise apply the structs first.
		await refused(['malformed_update'], () => boClient.send(update.slice(0, update.length - 1)));
		await refused(['malformed_update'], () => boClient.sendRaw(encodeUpdate(update).slice(0, -1)));
	});

	it('refuses payloads that are not binary, and extra arguments', async () => {
		for (const message of ['hello', 42, null, { 0: 2 }, [2, 0]]) {
			await refused(['validation'], () => emitWithAck(bo.socket, 'note:sync', { noteId, message }));
		}
		await refused(['validation'], () =>
			emitWithAck(bo.socket, 'note:sync', { noteId, message: new Uint8Array([2, 0]) }, 'extra')
		);
	});

	it('refuses a state vector that does not decode, on join and on sync', async () => {
		const step1 = (vector: number[]) => {
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, 0);
			encoding.writeVarUint8Array(encoder, new Uint8Array(vector));
			return encoding.toUint8Array(encoder);
		};
		await refused(['malformed_update'], () => boClient.sendRaw(step1([5, 1])));
		await refused(['malformed_update'], () =>
			call(bo.socket, 'note:join', { noteId, message: step1([200, 200, 200]) })
		);
		await refused(['malformed_update'], () =>
			call(bo.socket, 'note:join', { noteId, message: new Uint8Array([9, 9]) })
		);
		// A failed re-join leaves Bo out of the note; join again for the next tests.
		expect((await boClient.join()).ok).toBe(true);
	});
});

describe('well-formed updates a note must not contain', () => {
	it('refuses other root types, unknown elements and unknown marks', async () => {
		await refused(['malformed_update'], () =>
			boClient.send(updateFor((doc) => doc.getMap('evil').set('x', 1)))
		);
		await refused(['malformed_update'], () =>
			boClient.send(
				updateFor((doc) => doc.getXmlFragment(NOTE_FIELD).insert(0, [new Y.XmlElement('script')]))
			)
		);
		await refused(['malformed_update'], () =>
			boClient.send(
				updateFor((doc) => {
					const text = (doc.getXmlFragment(NOTE_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
					text.format(0, 2, { blink: {} });
				})
			)
		);
	});

	it('refuses an update that depends on changes the server never got', async () => {
		const elsewhere = new Y.Doc();
		Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(boClient.doc));
		appendText(elsewhere, ' first');
		const skipped = Y.encodeStateVector(elsewhere);
		appendText(elsewhere, ' second');
		const second = Y.encodeStateAsUpdate(elsewhere, skipped);
		await refused(['out_of_sync'], () => boClient.send(second));
	});
});

describe('size limits', () => {
	it('refuses an update over NOTE_MAX_UPDATE_BYTES and keeps the connection', async () => {
		const big = updateFor((doc) => appendText(doc, 'x'.repeat(MAX_UPDATE + 10)));
		await refused(['payload_too_large'], () => boClient.send(big));
	});

	it('refuses updates once the document would pass NOTE_MAX_DOCUMENT_BYTES', async () => {
		let result: Awaited<ReturnType<RawNoteClient['send']>> | undefined;
		for (let i = 0; i < 20; i++) {
			result = await boClient.edit((doc) => appendText(doc, `${i}`.padEnd(60 * 1024, 'y')));
			if (!result.ok) break;
		}
		expect(result).toMatchObject({ ok: false, error: { code: 'document_too_large' } });
		await refused(['document_too_large'], () =>
			boClient.send(updateFor((doc) => appendText(doc, 'z'.repeat(60 * 1024))))
		);
		// The full note still opens and reads normally.
		expect((await serverContent(ana.http, noteId)).length).toBeGreaterThan(MAX_DOCUMENT / 2);
	});
});

describe('awareness', () => {
	function awarenessUpdate(states: number, extra: Record<string, unknown> = {}) {
		const awareness = new Awareness(new Y.Doc());
		const ids: number[] = [];
		for (let i = 0; i < states; i++) {
			awareness.clientID = 1000 + i;
			awareness.setLocalState({ cursor: null, ...extra });
			ids.push(awareness.clientID);
		}
		return encodeAwarenessUpdate(awareness, ids);
	}

	it('refuses garbage, too many states, oversized and non-object states', async () => {
		const send = (update: Uint8Array) => call(bo.socket, 'note:awareness', { noteId, update });
		await refused(['malformed_update'], () => send(new Uint8Array([1, 2, 3])));
		await refused(['malformed_update'], () => send(awarenessUpdate(9)));
		await refused(['payload_too_large'], () => send(awarenessUpdate(1, { pad: 'p'.repeat(4096) })));
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, 77);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarString(encoder, '[1,2]');
		await refused(['malformed_update'], () => send(encoding.toUint8Array(encoder)));
	});
});

describe('floods', () => {
	const floodServer = useParley({
		env: { NOTE_SYNC_EVENTS_PER_SECOND: '20', NOTE_SYNC_EVENT_BURST: '40' }
	});

	it('rate-limits an awareness flood with error acks; the note and the others are unaffected', async () => {
		const [owner, flooder] = await floodServer.users('Owner', 'Flooder');
		const id = await sharedNote(owner, [{ user: flooder }]);
		const watcher = new RawNoteClient(owner.socket, id);
		const attacker = new RawNoteClient(flooder.socket, id);
		await watcher.join();
		await attacker.join();
		const awarenessEvents: unknown[] = [];
		owner.socket.on('note:awareness', (e) => awarenessEvents.push(e));

		const awareness = new Awareness(attacker.doc);
		const results = await Promise.all(
			Array.from({ length: 300 }, (_, i) => {
				awareness.setLocalState({ cursor: { anchor: i } });
				const update = encodeAwarenessUpdate(awareness, [awareness.clientID]);
				return call(flooder.socket, 'note:awareness', { noteId: id, update });
			})
		);
		const limited = results.filter((r) => !r.ok && r.error.code === 'rate_limited').length;
		const accepted = results.filter((r) => r.ok).length;
		expect(limited).toBeGreaterThan(200);
		expect(accepted).toBeLessThanOrEqual(60);
		await ok(owner.socket, 'ping', { nonce: 'flush' });
		expect(awarenessEvents.length).toBe(accepted);

		// The owner edits undisturbed, and the flooder's socket recovers once the budget refills.
		expect((await watcher.edit((doc) => appendText(doc, 'calm'))).ok).toBe(true);
		await until(() => content(attacker.doc).includes('calm'), 'relay after the flood');
		await new Promise((resolve) => setTimeout(resolve, 1100));
		expect((await attacker.edit((doc) => appendText(doc, ' back'))).ok).toBe(true);
		for (const u of [owner, flooder]) u.socket.disconnect();
	});
});
