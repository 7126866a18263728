import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client.ts';
import type { AuthenticatePayload } from '../extension.ts';
import type { PublicUser } from '#lib/shared/types.ts';
import { addNote, addUser, notesTestDb } from '../../../../../tests/helpers/notes-db.ts';
import { AuthenticateFromDatabase } from './authenticate.ts';

let db: Db;
let close: () => Promise<void>;
let owner: PublicUser;
let other: PublicUser;
let hook: AuthenticateFromDatabase;

beforeAll(async () => {
	({ db, close } = await notesTestDb());
	owner = await addUser(db, 'Owner');
	other = await addUser(db, 'Other');
	hook = new AuthenticateFromDatabase(db);
});
afterAll(() => close());

async function authenticate(noteId: string, user: PublicUser): Promise<AuthenticatePayload> {
	const payload: AuthenticatePayload = { noteId, user, role: null };
	await hook.onAuthenticate(payload);
	return payload;
}

describe('onAuthenticate (AuthenticateFromDatabase)', () => {
	it('grants the owner the owner role', async () => {
		const noteId = await addNote(db, owner);
		expect((await authenticate(noteId, owner)).role).toBe('owner');
	});

	it('grants a share its role, and the better of a share and the workspace’s access', async () => {
		const noteId = await addNote(db, owner);
		await db.noteShare.create({ data: { noteId, userId: other.id, role: 'viewer' } });
		expect((await authenticate(noteId, other)).role).toBe('viewer');
		await db.note.update({ where: { id: noteId }, data: { workspaceRole: 'editor' } });
		expect((await authenticate(noteId, other)).role).toBe('editor');
		await db.note.update({ where: { id: noteId }, data: { workspaceRole: 'viewer' } });
		await db.noteShare.update({
			where: { noteId_userId: { noteId, userId: other.id } },
			data: { role: 'editor' }
		});
		expect((await authenticate(noteId, other)).role).toBe('editor');
	});

	it('grants workspace access to anyone, and nothing to strangers of a private note', async () => {
		const open = await addNote(db, owner, { workspaceRole: 'viewer' });
		const closed = await addNote(db, owner);
		expect((await authenticate(open, other)).role).toBe('viewer');
		expect(await authenticate(closed, other)).toEqual({
			noteId: closed,
			user: other,
			role: null
		});
	});

	it('refuses unknown notes, and notes in the trash (telling only their owner why)', async () => {
		expect((await authenticate('no-such-note', owner)).role).toBeNull();
		const trashed = await addNote(db, owner, { deletedAt: new Date(), workspaceRole: 'editor' });
		const mine = await authenticate(trashed, owner);
		expect(mine).toMatchObject({ role: null, refusal: 'This note is in the trash.' });
		const theirs = await authenticate(trashed, other);
		expect(theirs.role).toBeNull();
		expect(theirs.refusal).toBeUndefined();
	});

	it('overrides whatever an earlier extension granted', async () => {
		const noteId = await addNote(db, owner);
		const payload: AuthenticatePayload = { noteId, user: other, role: 'editor' };
		await hook.onAuthenticate(payload);
		expect(payload.role).toBeNull();
	});
});
