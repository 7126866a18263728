/**
 * The authorization matrix of the socket contract: every client→server event × a member acting on
 * another's things and the admin (anonymous and pending callers get no socket at all), checked by
 * the effect: no row changed, nothing delivered to the owner, no canary in the answer. An event the
 * matrix does not list fails the first test.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import { clientEvents, type ClientEventName } from '#lib/shared/events.ts';
import { encodeStep1, encodeUpdate } from '#lib/shared/note-sync.ts';
import { call, flush, ok, type TestUser } from './helpers/channels.ts';
import { connectError } from './helpers/client.ts';
import { events } from './authz/events.ts';
import { databaseDigest, leaked, secretsOf, useWorld, type World } from './authz/world.ts';

const REFUSALS = ['forbidden', 'not_found', 'not_joined', 'read_only'];

let world: World;
useWorld((built) => (world = built));

/** Everything Olive's socket receives while `act` runs, presence changes aside. */
async function deliveredToOlive(act: () => Promise<void>): Promise<string[]> {
	const seen: string[] = [];
	const record = (event: string) => {
		if (!event.startsWith('presence:')) seen.push(event);
	};
	world.olive.socket.onAny(record);
	try {
		await act();
		await flush(world.olive.socket);
	} finally {
		world.olive.socket.offAny(record);
	}
	return seen;
}

const asText = (value: unknown) =>
	JSON.stringify(value, (_key, v: unknown) =>
		v instanceof Uint8Array || Buffer.isBuffer(v) ? Buffer.from(v).toString('hex') : v
	);

it('lists every client→server event of the contract', () => {
	expect(Object.keys(events).sort()).toEqual(Object.keys(clientEvents).sort());
});

it('gives anonymous and pending callers no socket, so no event at all', async () => {
	const anonymous = await connectError(world.anonymous.socket());
	expect(anonymous.data?.code).toBe('unauthorized');
	const pending = await connectError(world.penny.socket());
	expect(pending.data?.code).toBe('forbidden');
});

describe('events naming another person’s things', () => {
	for (const name of Object.keys(events) as ClientEventName[]) {
		it(name, async () => {
			const rule = events[name];
			for (const who of ['member', 'admin'] as const) {
				if (rule[who] === 'allow' && rule.write) continue;
				const actor: TestUser = who === 'member' ? world.mallory : world.admin;
				const label = `${who} ${name}`;
				const before = await databaseDigest(world);
				let answer: unknown;
				const delivered = await deliveredToOlive(async () => {
					answer = await call(actor.socket, name, rule.payload(world, who) as never);
				});
				const ack = answer as { ok: boolean; error?: { code: string } };
				expect(leaked(asText(ack), secretsOf(world, who)), label).toEqual([]);
				if (rule[who] === 'allow') {
					expect(ack, label).toMatchObject({ ok: true });
					continue;
				}
				expect(ack.ok, `${label}: ${asText(ack)}`).toBe(false);
				expect(REFUSALS, `${label}: ${asText(ack)}`).toContain(ack.error?.code);
				expect(await databaseDigest(world), `${label} changed the database`).toBe(before);
				expect(delivered, `${label} reached the owner`).toEqual([]);
			}
		});
	}
});

describe('a note shared with a member as viewer', () => {
	it('can be opened and read, but not edited, renamed or re-shared', async () => {
		const { mallory, ids } = world;
		const noteId = ids.viewerNote;
		const joined = await ok(mallory.socket, 'note:join', {
			noteId,
			message: encodeStep1(new Y.Doc())
		});
		expect(joined.role).toBe('viewer');

		const doc = new Y.Doc();
		doc.getXmlFragment(NOTE_FIELD).insert(0, [new Y.XmlText('vandalised')]);
		const message = encodeUpdate(Y.encodeStateAsUpdate(doc));
		const before = await databaseDigest(world);
		const delivered = await deliveredToOlive(async () => {
			for (const [event, payload] of [
				['note:sync', { noteId, message }],
				['note:rename', { noteId, title: 'renamed' }],
				['note:share', { noteId, userId: world.admin.id, role: 'editor' }],
				['note:workspace', { noteId, role: 'editor' }]
			] as const) {
				const ack = await call(mallory.socket, event, payload as never);
				expect(ack, event).toMatchObject({ ok: false });
				expect(['forbidden', 'read_only'], event).toContain(
					(ack as { error: { code: string } }).error.code
				);
			}
		});
		expect(await databaseDigest(world)).toBe(before);
		expect(delivered).toEqual([]);
		await ok(mallory.socket, 'note:leave', { noteId });
	});
});
