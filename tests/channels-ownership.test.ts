/**
 * A channel with members always has an owner: when its last owner leaves (or is removed), the
 * longest-standing member becomes owner in the same change, live and in catch-up.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelChanges, MemberDto } from '#lib/shared/channels.ts';
import { call, flush, ok, record, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { useParley } from './helpers/kit.ts';

let admin: TestUser;
let ana: TestUser;
let bo: TestUser;
let cy: TestUser;
let dee: TestUser;

useParley({ env: RELAXED_LIMITS }, async (kit) => {
	[admin, ana, bo, cy, dee] = await kit.users('Admin', 'Ana', 'Bo', 'Cy', 'Dee');
});

/** Ana's channel; Bo joins first, then Cy, then Dee (so Bo has been a member longest). */
async function channel(name: string, kind: 'public' | 'private' = 'private') {
	const created = await ok(ana.socket, 'channel:create', { kind, name, memberIds: [bo.id] });
	for (const user of [cy, dee]) {
		await ok(ana.socket, 'channel:members:add', { channelId: created.id, userIds: [user.id] });
	}
	return created.id;
}

const roles = (members: MemberDto[]) =>
	Object.fromEntries(members.map((m) => [m.user.displayName, m.removed ? 'removed' : m.role]));

async function members(user: TestUser, channelId: string) {
	return roles((await ok(user.socket, 'channel:members', { channelId })).members);
}

/** Runs `action`, and returns the `channel:change` events `observer` received meanwhile. */
async function changesSeenBy(
	observer: TestUser,
	channelId: string,
	action: () => Promise<unknown>
) {
	// Whatever earlier actions emitted has arrived before recording starts.
	await flush(observer.socket);
	const recorder = record(observer.socket, 'channel:change');
	await action();
	await flush(observer.socket);
	recorder.stop();
	return recorder.events.filter((c) => c.channelId === channelId);
}

describe('when the sole owner goes', () => {
	it('leaving makes the longest-standing member owner, in the same change everyone sees', async () => {
		const channelId = await channel('succession');
		const before = await ok(cy.socket, 'channel:sync', { channelId, since: 0 });
		const seen = await changesSeenBy(cy, channelId, () =>
			ok(ana.socket, 'channel:leave', { channelId })
		);
		expect(seen).toHaveLength(1);
		expect(roles(seen[0].members)).toEqual({ Ana: 'removed', Bo: 'owner' });
		expect(seen[0].members.map((m) => m.version)).toEqual([seen[0].version, seen[0].version]);
		expect(await members(dee, channelId)).toEqual({ Bo: 'owner', Cy: 'member', Dee: 'member' });

		// Catch-up carries it too.
		const missed: ChannelChanges = await ok(dee.socket, 'channel:sync', {
			channelId,
			since: before.version
		});
		expect(roles(missed.members)).toMatchObject({ Ana: 'removed', Bo: 'owner' });

		// Bo may now do what owners do; the others still may not.
		await ok(bo.socket, 'channel:update', { channelId, name: 'succession-renamed' });
		const refused = await call(cy.socket, 'channel:update', { channelId, name: 'nope' });
		expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});

	it('an admin removing the sole owner promotes the longest-standing member too', async () => {
		const channelId = await channel('removed-owner');
		const seen = await changesSeenBy(bo, channelId, () =>
			ok(admin.socket, 'channel:members:remove', { channelId, userId: ana.id })
		);
		expect(roles(seen[0].members)).toEqual({ Ana: 'removed', Bo: 'owner' });
	});

	it('a member leaving promotes nobody; an owner who left comes back as a member', async () => {
		const channelId = await channel('no-succession');
		let seen = await changesSeenBy(bo, channelId, () =>
			ok(cy.socket, 'channel:leave', { channelId })
		);
		expect(roles(seen[0].members)).toEqual({ Cy: 'removed' });
		// Ana leaves (Bo becomes owner), comes back as a plain member, and leaves again.
		await ok(ana.socket, 'channel:leave', { channelId });
		await ok(bo.socket, 'channel:members:add', { channelId, userIds: [ana.id] });
		expect(await members(bo, channelId)).toEqual({ Ana: 'member', Bo: 'owner', Dee: 'member' });
		seen = await changesSeenBy(bo, channelId, () => ok(ana.socket, 'channel:leave', { channelId }));
		expect(roles(seen[0].members)).toEqual({ Ana: 'removed' });
	});

	it('a channel everyone left stays without members; the first to join it owns it', async () => {
		const channelId = await channel('emptied', 'public');
		for (const user of [ana, bo, cy, dee]) await ok(user.socket, 'channel:leave', { channelId });
		expect(await members(admin, channelId)).toEqual({});
		const summary = await ok(cy.socket, 'channel:join', { channelId });
		expect(summary.myRole).toBe('owner');
		await ok(dee.socket, 'channel:join', { channelId });
		expect(await members(cy, channelId)).toEqual({ Cy: 'owner', Dee: 'member' });
	});
});
