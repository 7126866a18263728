/**
 * Concurrent writers, on both databases (the point is PostgreSQL, where transactions really run
 * side by side; SQLite serializes them). Channels: the counter row hands out seqs and versions one
 * at a time, and a reader catching up during the burst sees every message exactly once, each catch-up
 * holding the versions just after its cursor with no gap. Notes: every acknowledged update from
 * several editors at once is in the note after a reload from the database.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelChanges, MessageDto } from '#lib/shared/channels.ts';
import { connected, HttpClient, uniqueEmail, sameSession } from './helpers/client.ts';
import { call, clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { appendText, NOTE_TEST_LIMITS, RawNoteClient, serverContent } from './helpers/notes.ts';
import { useParley } from './helpers/kit.ts';
import { snapshotRollups } from './helpers/usage.ts';
import { parseDatabaseUrl } from '#lib/server/db/target.ts';
import { UsageService } from '#lib/server/usage/usage.service.ts';

const SOCKETS = 10;
const SENDS_PER_SOCKET = 10;
const EDITORS = 4;
const EDITS_PER_EDITOR = 40;
const ROUNDS = 15;

let users: TestUser[] = [];

const server = useParley({ env: { ...RELAXED_LIMITS, ...NOTE_TEST_LIMITS } }, async (kit) => {
	users = [];
	for (let i = 0; i < SOCKETS; i++) users.push(await kit.user(`Writer ${i}`));
});

/** Every version in (from, to], in order. */
function range(from: number, to: number): number[] {
	return Array.from({ length: to - from }, (_, i) => from + 1 + i);
}

describe('channels', () => {
	it(`${SOCKETS * SENDS_PER_SOCKET} concurrent sends from ${SOCKETS} sockets: unique, gapless seqs, and a reader catching up misses nothing`, async () => {
		const [owner, ...others] = users;
		const channel = await ok(owner.socket, 'channel:create', {
			kind: 'private',
			name: 'burst',
			memberIds: others.map((u) => u.id)
		});
		const reader = owner.http.socket();
		await connected(reader);
		const start = (await ok(reader, 'channel:sync', { channelId: channel.id, since: 0 })).version;

		let sending = true;
		const catchUps: { since: number; changes: ChannelChanges }[] = [];
		const readLoop = (async () => {
			let since = start;
			// Catches up over and over while the burst runs, then once more after it ended.
			for (let last = false; ; last = !sending) {
				const changes = await ok(reader, 'channel:sync', { channelId: channel.id, since });
				catchUps.push({ since, changes });
				since = changes.version;
				if (last) return;
			}
		})();

		const sends = users.flatMap((user, u) =>
			Array.from({ length: SENDS_PER_SOCKET }, (_, i) =>
				ok(user.socket, 'message:send', {
					channelId: channel.id,
					clientId: clientId(),
					body: `socket ${u} message ${i}`,
					parentId: null
				})
			)
		);
		const settled = await Promise.allSettled(sends);
		sending = false;
		await readLoop;
		reader.disconnect();
		expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
		const acked = settled.map((s) => (s as PromiseFulfilledResult<MessageDto>).value);

		// One seq (and version) per message, handed out one after the other from the channel's
		// counter: unique, and with no gap.
		const seqs = acked.map((m) => m.seq).sort((a, b) => a - b);
		expect(seqs).toEqual(range(start, start + acked.length));
		expect(acked.map((m) => m.version).sort((a, b) => a - b)).toEqual(seqs);
		expect(new Set(acked.map((m) => m.id)).size).toBe(acked.length);

		// Every catch-up starts where the last ended and holds exactly the versions after its
		// cursor, in order: nothing is skipped while other transactions are still committing.
		expect(catchUps.length).toBeGreaterThan(1);
		for (const { since, changes } of catchUps) {
			expect(changes.truncated).toBeUndefined();
			expect(changes.version).toBeGreaterThanOrEqual(since);
			expect(changes.messages.map((m) => m.version)).toEqual(range(since, changes.version));
		}
		const seen = catchUps.flatMap(({ changes }) => changes.messages);
		expect(seen.map((m) => m.id).sort()).toEqual(acked.map((m) => m.id).sort());
		const byId = new Map(acked.map((m) => [m.id, m]));
		for (const message of seen) {
			expect(message.body).toBe(byId.get(message.id)?.body);
			expect(message.seq).toBe(byId.get(message.id)?.seq);
		}
		expect(catchUps.at(-1)?.changes.version).toBe(start + acked.length);
	});
});

describe('usage counted by concurrent sends', () => {
	it('equals a rebuild from the messages, also when people post their first messages at once', async () => {
		// New people: their first messages race to create their usage key.
		const people = await server.users(...Array.from({ length: 6 }, (_, i) => `First ${i}`));
		const [owner, ...others] = people;
		const memberIds = others.map((u) => u.id);
		const channels = await Promise.all(
			['count-a', 'count-b'].map((name) =>
				ok(owner.socket, 'channel:create', { kind: 'private', name, memberIds })
			)
		);
		const send = (user: TestUser, channelId: string, parentId: string | null = null) =>
			ok(user.socket, 'message:send', { channelId, clientId: clientId(), body: 'hi', parentId });
		const roots = await Promise.all(
			people.flatMap((user) => channels.map((channel) => send(user, channel.id)))
		);
		await Promise.all(
			roots.flatMap((root) => people.slice(0, 3).map((user) => send(user, root.channelId, root.id)))
		);
		const kept = await snapshotRollups(server.databaseUrl);
		const usage = new UsageService(parseDatabaseUrl(server.databaseUrl));
		try {
			await usage.rebuild();
		} finally {
			await usage.close();
		}
		expect(await snapshotRollups(server.databaseUrl)).toEqual(kept);
	});
});

describe('changes to one message at once', () => {
	it('a reply deleted twice and edited at the same moment is deleted once, stays empty, and counts down its thread once', async () => {
		const [owner, author] = users;
		const channel = await ok(owner.socket, 'channel:create', {
			kind: 'private',
			name: 'races',
			memberIds: [author.id]
		});
		const send = (body: string, parentId: string | null) =>
			ok(author.socket, 'message:send', {
				channelId: channel.id,
				clientId: clientId(),
				body,
				parentId
			});
		const root = await send('root', null);
		const kept = await send('kept reply', root.id);
		for (let round = 0; round < ROUNDS; round++) {
			const reply = await send(`reply ${round}`, root.id);
			const [byAuthor, byOwner, edit] = await Promise.all([
				call(author.socket, 'message:delete', { messageId: reply.id }),
				call(owner.socket, 'message:delete', { messageId: reply.id }),
				call(author.socket, 'message:edit', { messageId: reply.id, body: 'edited' })
			]);
			const deletes = [byAuthor, byOwner];
			expect(deletes.filter((r) => r.ok)).toHaveLength(1);
			for (const result of [...deletes, edit]) {
				if (!result.ok) expect(result.error.code).toBe('message_deleted');
			}
		}
		const { parent, replies } = await ok(owner.socket, 'thread:history', { messageId: root.id });
		expect(parent.replyCount).toBe(1);
		expect(replies.filter((m) => !m.deletedAt).map((m) => m.id)).toEqual([kept.id]);
		for (const reply of replies.filter((m) => m.deletedAt)) expect(reply.body).toBe('');
	});
});

describe('archiving during a burst of sends', () => {
	it('no message lands after the archive: each send is in before it or refused', async () => {
		const [owner, ...others] = users;
		const channel = await ok(owner.socket, 'channel:create', {
			kind: 'private',
			name: 'closing',
			memberIds: others.map((u) => u.id)
		});
		const sends = users.flatMap((user) =>
			Array.from({ length: 3 }, (_, i) =>
				call(user.socket, 'message:send', {
					channelId: channel.id,
					clientId: clientId(),
					body: `last words ${i}`,
					parentId: null
				})
			)
		);
		await ok(owner.socket, 'channel:update', { channelId: channel.id, archived: true });
		const results = await Promise.all(sends);
		for (const result of results) {
			if (!result.ok) expect(result.error.code).toBe('channel_archived');
		}
		const changes = await ok(owner.socket, 'channel:sync', { channelId: channel.id, since: 0 });
		const archivedAt = changes.channel?.version ?? 0;
		expect(changes.channel?.archived).toBe(true);
		expect(changes.messages.filter((m) => m.version > archivedAt)).toEqual([]);
		const stored = new Set(changes.messages.map((m) => m.id));
		for (const result of results) if (result.ok) expect(stored.has(result.data.id)).toBe(true);
	});
});

describe('notes', () => {
	it(`${EDITORS} editors appending at once: every acknowledged update is in the note after a reload`, async () => {
		const [owner, ...rest] = users;
		const editors = rest.slice(0, EDITORS - 1);
		const note = await ok(owner.socket, 'note:create', { title: 'Many hands' });
		for (const editor of editors) {
			await ok(owner.socket, 'note:share', { noteId: note.id, userId: editor.id, role: 'editor' });
		}
		const clients = [owner, ...editors].map((user) => new RawNoteClient(user.socket, note.id));
		for (const client of clients) expect((await client.join()).ok).toBe(true);

		// Every editor sends all its edits without waiting for acks, all editors at once.
		const results = await Promise.all(
			clients.flatMap((client, e) =>
				Array.from({ length: EDITS_PER_EDITOR }, (_, i) =>
					client
						.edit((doc) => appendText(doc, `<${e}:${i}>`))
						.then((ack) => ({ token: `<${e}:${i}>`, ok: ack.ok }))
				)
			)
		);
		for (const client of clients) client.close();
		expect(results.filter((r) => !r.ok)).toEqual([]);

		// Restart: the note is loaded again from its snapshot and update log.
		for (const user of users) user.socket.disconnect();
		expect(await server.stop()).toBe(0);
		await server.restart();
		const text = await serverContent(sameSession(owner.http, server.url), note.id);
		expect(results.map((r) => r.token).filter((token) => !text.includes(token))).toEqual([]);
	});
});

describe('sign-ups racing', () => {
	const fresh = useParley();

	it('on an empty workspace make exactly one admin; one email taken twice at once is a conflict, not a fault', async () => {
		const url = fresh.url;
		const clients = Array.from({ length: 6 }, () => new HttpClient(url));
		const signedUp = await Promise.all(clients.map((client) => client.signUp()));
		expect(signedUp.map((s) => s.response.status)).toEqual(clients.map(() => 303));
		const roles = await Promise.all(
			clients.map(
				async (client) =>
					(await client.json<{ user: { role: string } }>('/api/v1/me')).body.user.role
			)
		);
		expect(roles.filter((role) => role === 'admin')).toHaveLength(1);

		const email = uniqueEmail();
		const same = await Promise.all(
			Array.from({ length: 4 }, () => new HttpClient(url).signUp({ email }))
		);
		const statuses = same.map((s) => s.response.status).sort();
		expect(statuses).toEqual([303, 409, 409, 409]);
	});
});
