/**
 * Where the two databases differ underneath Prisma, users must not notice: searches ignore case
 * on both (SQLite's LIKE does by itself, PostgreSQL's does not), and numbers beyond what an `Int`
 * column holds on PostgreSQL are refused as bad input or never reach the database, on both.
 */
import { describe, expect, it } from 'vitest';
import type { NoteSummary } from '#lib/shared/notes.ts';
import { call, ok, rest, type TestUser } from './helpers/channels.ts';
import { useParley } from './helpers/kit.ts';

let admin: TestUser;
let bo: TestUser;

useParley({}, async (kit) => {
	admin = await kit.user('Admin');
	bo = await kit.user('Bohdana Quill');
});

describe('searches ignore case', () => {
	it('note titles', async () => {
		await ok(bo.socket, 'note:create', { title: 'Quarterly Plan' });
		await ok(bo.socket, 'note:create', { title: 'Lunch' });
		for (const q of ['quarterly', 'QUARTERLY PLAN', 'rly pl']) {
			const found = await rest<{ notes: NoteSummary[] }>(
				bo,
				'GET',
				`/notes?q=${encodeURIComponent(q)}`
			);
			expect(found.body.notes.map((n) => n.title)).toEqual(['Quarterly Plan']);
		}
	});

	it('public channel names', async () => {
		await ok(admin.socket, 'channel:create', { kind: 'public', name: 'Roadmap', memberIds: [] });
		await ok(admin.socket, 'channel:create', { kind: 'public', name: 'random', memberIds: [] });
		const { channels } = await ok(bo.socket, 'channels:browse', { query: 'ROAD' });
		expect(channels.map((c) => c.name)).toEqual(['Roadmap']);
	});

	it('people in the directory and in the admin list', async () => {
		const { users } = await ok(admin.socket, 'users:directory', { query: 'quill' });
		expect(users.map((u) => u.displayName)).toEqual(['Bohdana Quill']);
		const listed = await rest<{ users: { displayName: string }[] }>(
			admin,
			'GET',
			'/admin/users?q=BOHDANA'
		);
		expect(listed.status).toBe(200);
		expect(listed.body.users.map((u) => u.displayName)).toEqual(['Bohdana Quill']);
	});
});

describe('numbers beyond an Int column', () => {
	it('a cursor past the largest seq is bad input, not a server fault', async () => {
		const channel = await ok(admin.socket, 'channel:create', {
			kind: 'private',
			name: 'cursors',
			memberIds: []
		});
		for (const payload of [
			{ channelId: channel.id, before: 2 ** 31 },
			{ channelId: channel.id, after: Number.MAX_SAFE_INTEGER }
		]) {
			const result = await call(admin.socket, 'channel:history', payload);
			expect(result.ok ? null : result.error.code).toBe('validation');
		}
		const since = await call(admin.socket, 'channel:sync', {
			channelId: channel.id,
			since: 2 ** 40
		});
		expect(since.ok ? null : since.error.code).toBe('validation');
		const read = await call(admin.socket, 'channel:read', { channelId: channel.id, seq: 2 ** 32 });
		expect(read.ok ? null : read.error.code).toBe('validation');
	});

	it('the newest page and the largest valid cursor work', async () => {
		const channel = await ok(admin.socket, 'channel:create', {
			kind: 'private',
			name: 'newest',
			memberIds: []
		});
		const sent = await ok(admin.socket, 'message:send', {
			channelId: channel.id,
			clientId: `parity-${Date.now()}`,
			body: 'hello',
			parentId: null
		});
		const newest = await ok(admin.socket, 'channel:history', { channelId: channel.id });
		expect(newest.messages.map((m) => m.id)).toEqual([sent.id]);
		const below = await ok(admin.socket, 'channel:history', {
			channelId: channel.id,
			before: 2 ** 31 - 1
		});
		expect(below.messages.map((m) => m.id)).toEqual([sent.id]);
	});
});
