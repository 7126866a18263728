/**
 * A member removed while their send waits for the channel's row posts nothing: the removal holds
 * the channel's counter row until it commits, and the send checks membership after it gets the row.
 * The removal is made by a connection of the test's own that holds its transaction open, so the
 * send is in flight for sure when the removal commits (on PostgreSQL the send waits for the row
 * lock; on SQLite for the write lock).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { call, clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { dbDate } from './helpers/database.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser;
let bo: TestUser;

const server = useParley({ env: RELAXED_LIMITS }, async (kit) => {
	[ana, bo] = await kit.users('Ana', 'Bo');
});

describe.each(['private', 'public'] as const)('a %s channel', (kind) => {
	it('refuses the send of a member removed while it waited, and stores nothing', async () => {
		const { id: channelId } = await ok(ana.socket, 'channel:create', {
			kind,
			name: `race-${kind}`,
			memberIds: [bo.id]
		});
		const db = await server.db();
		await db.run(db.dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN');
		let committed = false;
		try {
			// What removeMember writes: the counter first (the row lock), then the member row.
			await db.run('UPDATE "Channel" SET "version" = "version" + 1 WHERE "id" = ?', channelId);
			await db.run(
				'UPDATE "ChannelMember" SET "removedAt" = ? WHERE "channelId" = ? AND "userId" = ?',
				dbDate(new Date()),
				channelId,
				bo.id
			);
			const sent = call(bo.socket, 'message:send', {
				channelId,
				clientId: clientId(),
				body: 'late'
			});
			await sleep(300);
			await db.run('COMMIT');
			committed = true;
			const result = await sent;
			expect(result.ok).toBe(false);
			if (!result.ok) expect(result.error.code).toBe(kind === 'public' ? 'forbidden' : 'not_found');
		} finally {
			if (!committed) await db.run('ROLLBACK');
		}
		const rows = await db.all('SELECT "id" FROM "Message" WHERE "channelId" = ?', channelId);
		expect(rows).toEqual([]);
	});
});
