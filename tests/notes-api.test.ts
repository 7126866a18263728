import { describe, expect, it } from 'vitest';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { NOTE_FIELD, noteSchema } from '#lib/shared/editor-schema.ts';
import type { NoteSharing, NoteSummary } from '#lib/shared/notes.ts';
import { ok, rest, waitForEvent, type TestUser } from './helpers/channels.ts';
import { dbDate, withTestDb } from './helpers/database.ts';
import { NOTE_TEST_LIMITS, RawNoteClient } from './helpers/notes.ts';
import { sameSession } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

const ENV = { ...NOTE_TEST_LIMITS, NOTE_TRASH_DAYS: '1' };
let ana: TestUser;
let bo: TestUser;
let token: string;

const server = useParley({ env: ENV }, async (kit) => {
	[ana, bo] = await kit.users('Ana', 'Bo');
	const created = await rest<{ token: string }>(ana, 'POST', '/tokens', { name: 'bot' });
	token = created.body.token;
});

/** Calls the REST API as Ana's bot (bearer token, no cookie). */
function bot<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
	return rest<T>(ana, method, path, body, token);
}

/** Writes a document into a note the way an editor would, through the sync protocol. */
async function write(noteId: string, json: Record<string, unknown>): Promise<void> {
	const client = new RawNoteClient(ana.socket, noteId);
	await client.join();
	const result = await client.edit((doc) => {
		const fragment = doc.getXmlFragment(NOTE_FIELD);
		fragment.delete(0, fragment.length);
		prosemirrorJSONToYXmlFragment(noteSchema(), json, fragment);
	});
	expect(result.ok).toBe(true);
	client.close();
	await ok(ana.socket, 'note:leave', { noteId });
}

const text = (t: string, marks?: Record<string, unknown>[]) => ({ type: 'text', text: t, marks });
const para = (...content: unknown[]) => ({ type: 'paragraph', content });
const item = (type: string, attrs: Record<string, unknown>, t: string) => ({
	type,
	attrs,
	content: [para(text(t))]
});

const PLAN = {
	type: 'doc',
	content: [
		{ type: 'heading', attrs: { level: 2 }, content: [text('Plan')] },
		para(
			text('Some '),
			text('bold', [{ type: 'bold' }]),
			text(', '),
			text('gone', [{ type: 'strike' }]),
			text(' and '),
			text('a link', [{ type: 'link', attrs: { href: 'https://example.com' } }]),
			text(' and '),
			text('a trap', [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }]),
			text('.')
		),
		{ type: 'bulletList', content: [item('listItem', {}, 'one'), item('listItem', {}, 'two')] },
		{
			type: 'taskList',
			content: [
				item('taskItem', { checked: true }, 'done'),
				item('taskItem', { checked: false }, 'todo')
			]
		},
		{ type: 'codeBlock', attrs: { language: 'js' }, content: [text('let x = 1;')] },
		{ type: 'blockquote', content: [para(text('quoted'))] },
		{ type: 'horizontalRule' },
		{
			type: 'orderedList',
			attrs: { start: 1 },
			content: [item('listItem', {}, 'first'), item('listItem', {}, 'second')]
		}
	]
};

describe('REST for bots', () => {
	it('creates, lists, searches, renames, trashes and restores notes with an API token', async () => {
		const created = await bot<NoteSummary>('POST', '/notes', { title: 'Quarterly plan' });
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({ title: 'Quarterly plan', role: 'owner', deletedAt: null });
		const id = created.body.id;
		await bot('POST', '/notes', { title: 'Groceries' });
		const untitled = await bot<NoteSummary>('POST', '/notes', {});
		expect(untitled.body.title).toBe('Untitled');

		const search = await bot<{ notes: NoteSummary[] }>('GET', '/notes?q=QUARTER');
		expect(search.body.notes.map((n) => n.title)).toEqual(['Quarterly plan']);
		expect((await bot<{ notes: NoteSummary[] }>('GET', '/notes')).body.notes).toHaveLength(3);

		const renamed = await bot<NoteSummary>('PATCH', `/notes/${id}`, { title: '  Q3 plan  ' });
		expect(renamed.body.title).toBe('Q3 plan');
		expect((await bot('PATCH', `/notes/${id}`, { title: 'x'.repeat(201) })).status).toBe(400);

		const trashed = await bot<NoteSummary>('DELETE', `/notes/${id}`);
		expect(trashed.status).toBe(200);
		expect(trashed.body.deletedAt).not.toBeNull();
		expect(trashed.body.purgeAt).not.toBeNull();
		expect((await bot<{ notes: NoteSummary[] }>('GET', '/notes?trash=1')).body.notes[0].id).toBe(
			id
		);
		expect((await bot('GET', `/notes/${id}`)).status).toBe(404);
		const restored = await bot<NoteSummary>('POST', `/notes/${id}/restore`);
		expect(restored.body.deletedAt).toBeNull();
		expect((await bot('GET', `/notes/${id}`)).status).toBe(200);
	});

	it('shares through the sharing endpoints', async () => {
		const id = (await bot<NoteSummary>('POST', '/notes', { title: 'Shared by a bot' })).body.id;
		const shared = await bot<NoteSharing>('PUT', `/notes/${id}/shares/${bo.id}`, {
			role: 'viewer'
		});
		expect(shared.body.shares).toEqual([
			{ user: expect.objectContaining({ id: bo.id }), role: 'viewer' }
		]);
		expect((await rest(bo, 'GET', `/notes/${id}`)).status).toBe(200);
		expect((await bot('PUT', `/notes/${id}/shares/${bo.id}`, { role: 'owner' })).status).toBe(400);
		expect((await bot('PUT', `/notes/${id}/shares/${ana.id}`, { role: 'editor' })).status).toBe(
			400
		);

		const open = await bot<NoteSharing>('PATCH', `/notes/${id}/sharing`, {
			workspaceRole: 'editor'
		});
		expect(open.body.workspaceRole).toBe('editor');
		expect((await rest<NoteSharing>(bo, 'GET', `/notes/${id}/sharing`)).body.workspaceRole).toBe(
			'editor'
		);
		await bot('PATCH', `/notes/${id}/sharing`, { workspaceRole: null });
		const removed = await bot<NoteSharing>('DELETE', `/notes/${id}/shares/${bo.id}`);
		expect(removed.body.shares).toEqual([]);
		expect((await rest(bo, 'GET', `/notes/${id}`)).status).toBe(404);
	});
});

describe('export and previews', () => {
	it('renders the note as Markdown and as an HTML page, from the server’s document', async () => {
		const id = (await ok(ana.socket, 'note:create', { title: 'Plan for Q3' })).id;
		await write(id, PLAN);

		const md = await ana.http.request(`/api/v1/notes/${id}/export?format=md`);
		expect(md.status).toBe(200);
		expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
		expect(md.headers.get('content-disposition')).toBe('attachment; filename="plan-for-q3.md"');
		expect(await md.text()).toBe(
			[
				'## Plan',
				'',
				'Some **bold**, ~~gone~~ and [a link](https://example.com) and a trap.',
				'',
				'- one',
				'- two',
				'',
				'- [x] done',
				'- [ ] todo',
				'',
				'```js',
				'let x = 1;',
				'```',
				'',
				'> quoted',
				'',
				'---',
				'',
				'1. first',
				'2. second',
				''
			].join('\n')
		);

		const page = await ana.http.request(`/api/v1/notes/${id}/export?format=html`);
		expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
		expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
		const body = await page.text();
		expect(body).toContain('<title>Plan for Q3</title>');
		expect(body).toContain('<h2>Plan</h2>');
		expect(body).toContain('<strong>bold</strong>');
		expect(body).toMatch(/<a [^>]*href="https:\/\/example.com"[^>]*>a link<\/a>/);
		expect(body).not.toContain('javascript:');
		expect(body).toContain('data-type="taskList"');
		expect(body).toContain('<pre><code class="language-js">let x = 1;</code></pre>');

		expect((await ana.http.request(`/api/v1/notes/${id}/export?format=pdf`)).status).toBe(400);
	});

	it('keeps the list preview up to date and tells listeners', async () => {
		const id = (await ok(ana.socket, 'note:create', { title: 'Preview' })).id;
		const preview = waitForEvent(ana.socket, 'note:preview', (e) => e.noteId === id, 10_000);
		await write(id, PLAN);
		expect(await preview).toMatchObject({
			noteId: id,
			preview: expect.stringContaining('Plan Some bold')
		});
		const listed = (await ok(ana.socket, 'notes:list', {})).notes.find((n) => n.id === id);
		expect(listed?.preview).toMatch(
			/^Plan Some bold, gone and a link and a trap\. one two done todo/
		);
	});
});

describe('activity and the trash', () => {
	it('counts stored edits per note, user and UTC day', async () => {
		const id = (await ok(ana.socket, 'note:create', { title: 'Busy' })).id;
		const client = new RawNoteClient(ana.socket, id);
		await client.join();
		for (let i = 0; i < 5; i++) {
			expect(
				(
					await client.edit((doc) =>
						doc.getXmlFragment(NOTE_FIELD).insert(0, [new Y.XmlElement('paragraph')])
					)
				).ok
			).toBe(true);
		}
		const rows = await withTestDb(server, (db) =>
			db.all('SELECT "userId", "day", "edits" FROM "NoteActivity" WHERE "noteId" = ?', id)
		);
		expect(rows).toEqual([
			{ userId: ana.id, day: new Date().toISOString().slice(0, 10), edits: 5 }
		]);
		client.close();
	});

	it('deletes notes for good once their time in the trash is up (NOTE_TRASH_DAYS), keeping activity', async () => {
		const id = (await bot<NoteSummary>('POST', '/notes', { title: 'Old' })).body.id;
		const client = new RawNoteClient(ana.socket, id);
		await client.join();
		await client.edit((doc) =>
			doc.getXmlFragment(NOTE_FIELD).insert(0, [new Y.XmlElement('paragraph')])
		);
		client.close();
		await bot('DELETE', `/notes/${id}`);
		await withTestDb(server, (db) =>
			db.run(
				'UPDATE "Note" SET "deletedAt" = ? WHERE "id" = ?',
				dbDate(new Date(Date.now() - 2 * 24 * 60 * 60 * 1000)),
				id
			)
		);

		ana.socket.disconnect();
		await server.stop();
		await server.restart();
		ana = { ...ana, http: sameSession(ana.http, server.url) };
		await withTestDb(server, async (db) => {
			const count = async (table: string, column = 'noteId') =>
				(
					await db.get<{ n: number }>(
						`SELECT COUNT(*) AS n FROM "${table}" WHERE "${column}" = ?`,
						id
					)
				)?.n;
			expect(await count('Note', 'id')).toBe(0);
			expect(await count('NoteSnapshot')).toBe(0);
			expect(await count('NoteUpdate')).toBe(0);
			expect(await count('NoteActivity')).toBe(1);
		});
		expect((await bot('POST', `/notes/${id}/restore`)).status).toBe(404);
	});
});
