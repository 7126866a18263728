/**
 * A member removed while their send, edit, reaction or delete waits for the channel's row changes
 * nothing: the removal holds the channel's counter row until it commits, and each change checks
 * membership again after it gets the row.
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

/**
 * Removes Bo from the channel in a transaction of the test's own, starts `act` while it holds the
 * channel's row, commits, and returns what `act` answered.
 */
async function removedWhileInFlight(
	channelId: string,
	act: () => Promise<Awaited<ReturnType<typeof call>>>
) {
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
		const answer = act();
		await sleep(300);
		await db.run('COMMIT');
		committed = true;
		return await answer;
	} finally {
		if (!committed) await db.run('ROLLBACK');
	}
}

describe.each(['private', 'public'] as const)('a %s channel', (kind) => {
	const refusal = kind === 'public' ? 'forbidden' : 'not_found';
	const channel = async (name: string) =>
		(await ok(ana.socket, 'channel:create', { kind, name, memberIds: [bo.id] })).id;

	it('refuses the send of a member removed while it waited, and stores nothing', async () => {
		const channelId = await channel(`race-${kind}`);
		const result = await removedWhileInFlight(channelId, () =>
			call(bo.socket, 'message:send', { channelId, clientId: clientId(), body: 'late' })
		);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.error.code).toBe(refusal);
		const db = await server.db();
		const rows = await db.all('SELECT "id" FROM "Message" WHERE "channelId" = ?', channelId);
		expect(rows).toEqual([]);
	});

	it.each([
		['edit', (messageId: string) => call(bo.socket, 'message:edit', { messageId, body: 'late' })],
		['react', (messageId: string) => call(bo.socket, 'message:react', { messageId, emoji: '👍' })],
		['delete', (messageId: string) => call(bo.socket, 'message:delete', { messageId })]
	] as const)(
		'refuses the %s of a member removed while it waited, and changes nothing',
		async (name, act) => {
			const channelId = await channel(`race-${name}-${kind}`);
			const message = await ok(bo.socket, 'message:send', {
				channelId,
				clientId: clientId(),
				body: 'before'
			});
			const result = await removedWhileInFlight(channelId, () => act(message.id));
			expect(result.ok).toBe(false);
			if (!result.ok) expect(result.error.code).toBe(refusal);
			const db = await server.db();
			const [row] = await db.all<{ body: string; deletedAt: unknown }>(
				'SELECT "body", "deletedAt" FROM "Message" WHERE "id" = ?',
				message.id
			);
			expect(row).toEqual({ body: 'before', deletedAt: null });
			expect(await db.all('SELECT 1 FROM "Reaction" WHERE "messageId" = ?', message.id)).toEqual(
				[]
			);
		}
	);
});
