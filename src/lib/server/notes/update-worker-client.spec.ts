import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import { createLogger } from '../logger.ts';
import { nestedBlockquotes } from '../../../../tests/helpers/hostile-updates.ts';
import { UpdateWorkerClient } from './update-worker-client.ts';

function note(): { state: Uint8Array; paste: Uint8Array } {
	const doc = new Y.Doc();
	const paragraph = new Y.XmlElement('paragraph');
	doc.getXmlFragment(NOTE_FIELD).insert(0, [paragraph]);
	const state = Y.encodeStateAsUpdate(doc);
	const vector = Y.encodeStateVector(doc);
	paragraph.insert(0, [new Y.XmlText('pasted '.repeat(20_000))]);
	return { state, paste: Y.encodeStateAsUpdate(doc, vector) };
}

let client: UpdateWorkerClient | undefined;
afterEach(() => client?.close());

describe('UpdateWorkerClient', () => {
	it('accepts a valid large update and refuses a bad one, in a worker thread', async () => {
		client = new UpdateWorkerClient(createLogger('silent'));
		const { state, paste } = note();
		expect(await client.check(state, paste, 500)).toEqual({ ok: true, changed: true });
		expect(await client.check(state, nestedBlockquotes(20_000, 99), 500)).toEqual({
			ok: false,
			code: 'malformed_update',
			message: 'Elements may nest at most 100 levels deep.'
		});
		expect(await client.check(state, new Uint8Array([1, 2, 3]), 500)).toMatchObject({
			ok: false,
			code: 'malformed_update'
		});
	});

	it('refuses a check that outlives its time, terminates the worker and starts afresh', async () => {
		const { state, paste } = note();
		const slow = new UpdateWorkerClient(createLogger('silent'), { timeoutMs: 1 });
		client = slow;
		// A worker needs far more than 1 ms to start and apply 140 kB: every check times out.
		const verdicts = await Promise.all([1, 2, 3].map(() => slow.check(state, paste, 500)));
		for (const verdict of verdicts) {
			expect(verdict).toMatchObject({
				ok: false,
				message: expect.stringMatching(/could not be checked within/)
			});
		}
		await slow.close();
		// After a close every check is refused at once.
		expect(await slow.check(state, paste, 500)).toMatchObject({ ok: false });
	});
});
