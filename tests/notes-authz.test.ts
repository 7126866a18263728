import { beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import type { NoteSummary } from '#lib/shared/notes.ts';
import { call, ok, record, rest, type TestUser } from './helpers/channels.ts';
import { nextEvent } from './helpers/client.ts';
import { appendText, content, NOTE_TEST_LIMITS, RawNoteClient, until } from './helpers/notes.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser; // owner
let bo: TestUser; // editor
let cy: TestUser; // viewer
let dee: TestUser; // stranger
let noteId: string;
const UNKNOWN = '0190a6f4-0000-7000-8000-000000000000';

useParley({ env: NOTE_TEST_LIMITS }, async (kit) => {
	await kit.account('Admin');
	[ana, bo, cy, dee] = await kit.users('Ana', 'Bo', 'Cy', 'Dee');
});

beforeEach(async () => {
	noteId = (await ok(ana.socket, 'note:create', { title: 'Plans' })).id;
	await ok(ana.socket, 'note:share', { noteId, userId: bo.id, role: 'editor' });
	await ok(ana.socket, 'note:share', { noteId, userId: cy.id, role: 'viewer' });
});

async function joined(user: TestUser, id = noteId): Promise<RawNoteClient> {
	const client = new RawNoteClient(user.socket, id);
	const result = await client.join();
	if (!result.ok) throw new Error(`${user.name} could not join: ${result.error.code}`);
	return client;
}

async function listed(user: TestUser): Promise<NoteSummary | undefined> {
	return (await ok(user.socket, 'notes:list', {})).notes.find((n) => n.id === noteId);
}

describe('who sees and opens a note', () => {
	it('gives the owner, editors and viewers their roles and hides the note from strangers', async () => {
		expect((await listed(ana))?.role).toBe('owner');
		expect((await listed(bo))?.role).toBe('editor');
		expect((await listed(cy))?.role).toBe('viewer');
		expect(await listed(dee)).toBeUndefined();

		for (const [user, role] of [
			[ana, 'owner'],
			[bo, 'editor'],
			[cy, 'viewer']
		] as const) {
			const result = await new RawNoteClient(user.socket, noteId).join();
			expect(result.ok && result.data.role).toBe(role);
		}
	});

	it('answers a stranger exactly as if the note did not exist', async () => {
		const stranger = await new RawNoteClient(dee.socket, noteId).join();
		const nobody = await new RawNoteClient(dee.socket, UNKNOWN).join();
		expect(stranger).toEqual({ ok: false, error: { code: 'not_found', message: 'No such note.' } });
		expect(nobody).toEqual(stranger);
		for (const path of [
			`/notes/${noteId}`,
			`/notes/${noteId}/export?format=md`,
			`/notes/${noteId}/sharing`
		]) {
			const real = await rest(dee, 'GET', path);
			const fake = await rest(dee, 'GET', path.replace(noteId, UNKNOWN));
			expect(real.status, path).toBe(404);
			expect(real.body).toEqual(fake.body);
		}
		expect((await call(dee.socket, 'note:rename', { noteId, title: 'x' })).ok).toBe(false);
		expect(await call(dee.socket, 'note:sharing', { noteId })).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});
		// Sync without joining gets the same answer for real and made-up notes.
		const sync = await new RawNoteClient(dee.socket, noteId).sendRaw(new Uint8Array([2, 0]));
		const made = await new RawNoteClient(dee.socket, UNKNOWN).sendRaw(new Uint8Array([2, 0]));
		expect(sync).toMatchObject({ ok: false, error: { code: 'not_joined' } });
		expect(made).toEqual(sync);
	});
});

describe('editing', () => {
	it('relays an editor’s update to everyone in the note, viewers included', async () => {
		const [a, b, c] = await Promise.all([joined(ana), joined(bo), joined(cy)]);
		expect((await b.edit((doc) => appendText(doc, 'from Bo'))).ok).toBe(true);
		await until(
			() => content(a.doc).includes('from Bo') && content(c.doc).includes('from Bo'),
			'relay'
		);
	});

	it('refuses a viewer’s update and nobody sees it', async () => {
		const [a, c] = await Promise.all([joined(ana), joined(cy)]);
		const before = content(a.doc);
		const result = await c.edit((doc) => appendText(doc, 'from Cy'));
		expect(result).toMatchObject({ ok: false, error: { code: 'read_only' } });
		await ok(ana.socket, 'ping', { nonce: 'flush' });
		expect(a.received).toHaveLength(0);
		const fresh = await joined(bo);
		expect(content(fresh.doc)).toBe(before);
	});

	it('lets viewers show up as present (awareness) under their own name only', async () => {
		const [a, , c] = await Promise.all([joined(ana), joined(bo), joined(cy)]);
		void a;
		const awareness = new Awareness(c.doc);
		awareness.setLocalState({ user: { id: ana.id, name: 'Ana (not really)', color: '#000000' } });
		const arriving = nextEvent(ana.socket, 'note:awareness');
		const sent = await call(cy.socket, 'note:awareness', {
			noteId,
			update: encodeAwarenessUpdate(awareness, [awareness.clientID])
		});
		expect(sent.ok).toBe(true);
		const seen = new Awareness(new Y.Doc());
		const event = await arriving;
		applyAwarenessUpdate(seen, new Uint8Array(event.update as Uint8Array), 'test');
		expect(seen.getStates().get(awareness.clientID)?.user).toEqual({
			id: cy.id,
			name: 'Cy',
			color: expect.any(String)
		});
		// Bo cannot speak for Cy's client id.
		const spoof = await call(bo.socket, 'note:awareness', {
			noteId,
			update: encodeAwarenessUpdate(awareness, [awareness.clientID])
		});
		expect(spoof).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});

	it('lets editors rename but not delete or share; viewers only read', async () => {
		expect((await call(bo.socket, 'note:rename', { noteId, title: 'Bo was here' })).ok).toBe(true);
		expect(await call(cy.socket, 'note:rename', { noteId, title: 'nope' })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		for (const user of [bo, cy]) {
			expect(await call(user.socket, 'note:delete', { noteId })).toMatchObject({
				ok: false,
				error: { code: 'forbidden' }
			});
			expect(
				await call(user.socket, 'note:share', { noteId, userId: dee.id, role: 'editor' })
			).toMatchObject({ ok: false, error: { code: 'forbidden' } });
			expect(await call(user.socket, 'note:workspace', { noteId, role: 'editor' })).toMatchObject({
				ok: false,
				error: { code: 'forbidden' }
			});
		}
		const exported = await rest(cy, 'GET', `/notes/${noteId}/export?format=md`);
		expect(exported.status).toBe(200);
	});
});

describe('changing access applies at once', () => {
	it('takes someone whose share is removed out of the room immediately', async () => {
		const [a, b] = await Promise.all([joined(ana), joined(bo)]);
		const closed = nextEvent(bo.socket, 'note:closed');
		await ok(ana.socket, 'note:unshare', { noteId, userId: bo.id });
		expect(await closed).toEqual({ noteId, reason: 'access_removed' });
		expect(await b.edit((doc) => appendText(doc, 'too late'))).toMatchObject({
			ok: false,
			error: { code: 'not_joined' }
		});
		expect((await a.edit((doc) => appendText(doc, 'after'))).ok).toBe(true);
		await ok(bo.socket, 'ping', { nonce: 'flush' });
		expect(b.received).toHaveLength(0);
		expect((await new RawNoteClient(bo.socket, noteId).join()).ok).toBe(false);
	});

	it('turns an editor into a viewer on the spot', async () => {
		const b = await joined(bo);
		const role = nextEvent(bo.socket, 'note:role');
		await ok(ana.socket, 'note:share', { noteId, userId: bo.id, role: 'viewer' });
		expect(await role).toEqual({ noteId, role: 'viewer' });
		expect(await b.edit((doc) => appendText(doc, 'x'))).toMatchObject({
			ok: false,
			error: { code: 'read_only' }
		});
	});

	it('opens a note to the whole workspace and closes it again', async () => {
		expect((await new RawNoteClient(dee.socket, noteId).join()).ok).toBe(false);
		const changed = record(dee.socket, 'notes:changed');
		await ok(ana.socket, 'note:workspace', { noteId, role: 'viewer' });
		await until(() => changed.events.length > 0, 'notes:changed for everyone');
		expect((await listed(dee))?.role).toBe('viewer');
		const d = await joined(dee);
		expect(await d.edit((doc) => appendText(doc, 'x'))).toMatchObject({
			ok: false,
			error: { code: 'read_only' }
		});
		// Workspace editor beats a personal viewer share.
		await ok(ana.socket, 'note:workspace', { noteId, role: 'editor' });
		expect((await listed(cy))?.role).toBe('editor');

		const closed = nextEvent(dee.socket, 'note:closed');
		await ok(ana.socket, 'note:workspace', { noteId, role: null });
		expect(await closed).toEqual({ noteId, reason: 'access_removed' });
		expect(await listed(dee)).toBeUndefined();
		changed.stop();
	});

	it('moves a note to the trash: everyone else is out, the owner can restore it', async () => {
		await Promise.all([joined(bo), joined(cy)]);
		const kicked = [nextEvent(bo.socket, 'note:closed'), nextEvent(cy.socket, 'note:closed')];
		const trashed = await ok(ana.socket, 'note:delete', { noteId });
		expect(trashed.deletedAt).not.toBeNull();
		for (const event of await Promise.all(kicked)) {
			expect(event).toEqual({ noteId, reason: 'deleted' });
		}
		for (const user of [bo, cy]) expect(await listed(user)).toBeUndefined();
		expect(await new RawNoteClient(ana.socket, noteId).join()).toMatchObject({
			ok: false,
			error: { code: 'not_found', message: 'This note is in the trash.' }
		});
		const trash = (await ok(ana.socket, 'notes:list', { trash: true })).notes;
		expect(trash.map((n) => n.id)).toContain(noteId);
		expect(await call(bo.socket, 'note:restore', { noteId })).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});

		await ok(ana.socket, 'note:restore', { noteId });
		expect((await new RawNoteClient(bo.socket, noteId).join()).ok).toBe(true);
	});

	it('lets someone leave a note shared with them', async () => {
		await ok(cy.socket, 'note:unshare', { noteId, userId: cy.id });
		expect(await listed(cy)).toBeUndefined();
		expect((await new RawNoteClient(cy.socket, noteId).join()).ok).toBe(false);
		// …but not remove others.
		expect(await call(bo.socket, 'note:unshare', { noteId, userId: ana.id })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
	});
});
