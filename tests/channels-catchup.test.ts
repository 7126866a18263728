import { describe, expect, it } from 'vitest';
import type { ChannelSync } from '#lib/client/channels/channel-sync.ts';
import type { ChannelChanges, MessageDto } from '#lib/shared/channels.ts';
import { connected, type TestSocket } from './helpers/client.ts';
import { clientId, ok, RELAXED_LIMITS, rest, type TestUser } from './helpers/channels.ts';
import { clientState, openSync, serverState } from './helpers/state.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser;
let bo: TestUser;
let cy: TestUser;
let dee: TestUser;
let eve: TestUser;

useParley({ env: RELAXED_LIMITS }, async (kit) => {
	await kit.account('Admin');
	[ana, bo, cy, dee, eve] = await kit.users('Ana', 'Bo', 'Cy', 'Dee', 'Eve');
});

const EMOJI = ['👍', '🎉', '❤️', '😂'];

function send(user: TestUser, channelId: string, body: string, parentId: string | null = null) {
	return ok(user.socket, 'message:send', { channelId, clientId: clientId(), body, parentId });
}

async function channelWithBo(name: string) {
	return ok(ana.socket, 'channel:create', {
		kind: 'private',
		name,
		memberIds: [bo.id, cy.id]
	});
}

async function reconnect(socket: TestSocket): Promise<void> {
	socket.connect();
	await connected(socket);
}

/** Waits until the client has caught up, then compares everything it holds with the server. */
async function expectInSync(sync: ChannelSync): Promise<void> {
	await sync.catchUp();
	expect(sync.error).toBeNull();
	expect(await clientState(sync)).toEqual(await serverState(bo, sync.channelId));
}

/** Resolves when `socket` has received `n` more `channel:change` events. */
function afterChanges(socket: TestSocket, n: number): Promise<void> {
	return new Promise((resolve) => {
		let seen = 0;
		const listener = () => {
			if (++seen < n) return;
			socket.off('channel:change', listener);
			resolve();
		};
		socket.on('channel:change', listener);
	});
}

describe('catch-up after a disconnect', () => {
	it('after a short disconnect: new, edited, deleted, reacted, threaded', async () => {
		const channel = await channelWithBo('short');
		const before = await send(ana, channel.id, 'before the disconnect');
		const toEdit = await send(ana, channel.id, 'to edit');
		const sync = await openSync(bo.socket, channel.id);

		bo.socket.disconnect();
		await ok(ana.socket, 'message:edit', { messageId: toEdit.id, body: 'edited while away' });
		await ok(ana.socket, 'message:delete', { messageId: before.id });
		const root = await send(ana, channel.id, 'a thread root');
		await send(cy, channel.id, 'a reply', root.id);
		await ok(cy.socket, 'message:react', { messageId: root.id, emoji: '👍' });
		await ok(ana.socket, 'channel:update', { channelId: channel.id, description: 'described' });

		await reconnect(bo.socket);
		await expectInSync(sync);
		expect(sync.timeline.replies(root.id).map((m) => m.body)).toEqual(['a reply']);
		expect(sync.timeline.meta?.description).toBe('described');
		sync.close();
	});

	it('after many changes: messages, membership in and out, rename and archive', async () => {
		const channel = await channelWithBo('many');
		const sync = await openSync(bo.socket, channel.id);
		bo.socket.disconnect();

		const sent: MessageDto[] = [];
		for (let i = 0; i < 60; i++) sent.push(await send(i % 2 ? ana : cy, channel.id, `m${i}`));
		await ok(ana.socket, 'channel:members:add', {
			channelId: channel.id,
			userIds: [dee.id, eve.id]
		});
		const fromDee = await send(dee, channel.id, 'hello from Dee');
		await send(eve, channel.id, 'Eve replies', sent[3].id);
		await ok(ana.socket, 'channel:members:remove', { channelId: channel.id, userId: dee.id });
		await ok(eve.socket, 'channel:leave', { channelId: channel.id });
		await ok(ana.socket, 'channel:members:add', { channelId: channel.id, userIds: [eve.id] });
		for (const m of sent.slice(0, 20)) {
			const edit = m.author.id === cy.id;
			if (edit) await ok(cy.socket, 'message:edit', { messageId: m.id, body: 'edited' });
			else await ok(ana.socket, 'message:delete', { messageId: m.id });
		}
		await ok(ana.socket, 'message:delete', { messageId: fromDee.id });
		await ok(cy.socket, 'message:react', {
			messageId: sent[40].id,
			emoji: '🎉'
		});
		await ok(ana.socket, 'channel:update', { channelId: channel.id, name: 'renamed' });
		await ok(ana.socket, 'channel:update', { channelId: channel.id, archived: true });

		await reconnect(bo.socket);
		await expectInSync(sync);
		const { meta } = sync.timeline;
		expect(meta).toMatchObject({ name: 'renamed', archived: true });
		expect(
			sync.timeline
				.activeMembers()
				.map((m) => m.user.displayName)
				.sort()
		).toEqual(['Ana', 'Bo', 'Cy', 'Eve']);
		expect(sync.timeline.members.get(dee.id)?.removed).toBe(true);
		sync.close();
	});

	it('when the connection drops in the middle of a burst of sends', async () => {
		const channel = await channelWithBo('burst');
		const sync = await openSync(bo.socket, channel.id);
		let reconnectAt!: () => void;
		const halfway = new Promise<void>((resolve) => (reconnectAt = resolve));
		const burst = async (user: TestUser, prefix: string) => {
			for (let i = 0; i < 40; i++) {
				const m = await send(user, channel.id, `${prefix}${i}`);
				if (i === 25) reconnectAt();
				if (i % 7 === 3) await ok(user.socket, 'message:react', { messageId: m.id, emoji: '👍' });
			}
		};
		const sending = Promise.all([burst(ana, 'a'), burst(cy, 'c')]);
		await afterChanges(bo.socket, 10);
		bo.socket.disconnect();
		await halfway;
		await reconnect(bo.socket);
		await sending;
		await expectInSync(sync);
		expect(sync.timeline.topLevel()).toHaveLength(80);
		sync.close();
	});

	it('across two disconnect and reconnect cycles', async () => {
		const channel = await channelWithBo('cycles');
		const root = await send(ana, channel.id, 'root');
		const sync = await openSync(bo.socket, channel.id);
		for (let cycle = 0; cycle < 2; cycle++) {
			bo.socket.disconnect();
			const reply = await send(cy, channel.id, `reply ${cycle}`, root.id);
			await send(ana, channel.id, `away ${cycle}`);
			await ok(cy.socket, 'message:react', { messageId: reply.id, emoji: '😂' });
			if (cycle === 1) await ok(cy.socket, 'message:delete', { messageId: reply.id });
			await reconnect(bo.socket);
			// Live changes right after the reconnect race the automatic catch-up.
			await send(ana, channel.id, `back ${cycle}`);
			await ok(ana.socket, 'message:edit', { messageId: root.id, body: `root v${cycle}` });
		}
		await expectInSync(sync);
		expect(sync.timeline.replies(root.id).map((m) => m.deletedAt !== null)).toEqual([false, true]);
		sync.close();
	});

	it('from random operations with random disconnects (seeded)', async () => {
		const seed = Number(process.env.CHANNELS_SEED ?? 0x5eed);
		let state = seed >>> 0;
		const random = () => {
			state = (state + 0x6d2b79f5) >>> 0;
			let t = state;
			t = Math.imul(t ^ (t >>> 15), t | 1);
			t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
			return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
		};
		const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];

		const channel = await channelWithBo('random');
		const live: MessageDto[] = [];
		for (let i = 0; i < 30; i++) live.push(await send(pick([ana, cy]), channel.id, `seed ${i}`));
		const sync = await openSync(bo.socket, channel.id, 10);
		let deeIn = false;

		for (let op = 0; op < 300; op++) {
			if (random() < 0.05) {
				if (bo.socket.connected) bo.socket.disconnect();
				else await reconnect(bo.socket); // the catch-up runs while operations go on
			}
			const actor = pick(bo.socket.connected ? [ana, bo, cy] : [ana, cy]);
			const roll = random();
			const mine = live.filter((m) => m.author.id === actor.id);
			const roots = live.filter((m) => m.parentId === null);
			if (roll < 0.3 || roots.length === 0) {
				live.push(await send(actor, channel.id, `op ${op}`));
			} else if (roll < 0.45) {
				live.push(await send(actor, channel.id, `reply ${op}`, pick(roots).id));
			} else if (roll < 0.58 && mine.length) {
				await ok(actor.socket, 'message:edit', { messageId: pick(mine).id, body: `edit ${op}` });
			} else if (roll < 0.68) {
				const target = actor === ana ? pick(live) : mine.length ? pick(mine) : null;
				if (!target) continue;
				await ok(actor.socket, 'message:delete', { messageId: target.id });
				live.splice(live.indexOf(target), 1);
			} else if (roll < 0.93) {
				await ok(actor.socket, 'message:react', { messageId: pick(live).id, emoji: pick(EMOJI) });
			} else if (roll < 0.97) {
				await ok(ana.socket, 'channel:update', { channelId: channel.id, description: `d${op}` });
			} else if (deeIn) {
				await ok(ana.socket, 'channel:members:remove', { channelId: channel.id, userId: dee.id });
				deeIn = false;
			} else {
				await ok(ana.socket, 'channel:members:add', { channelId: channel.id, userIds: [dee.id] });
				deeIn = true;
			}
		}
		if (!bo.socket.connected) await reconnect(bo.socket);
		await expectInSync(sync);
		sync.close();
	});

	it('serves the same changes over REST as over the socket', async () => {
		const channel = await channelWithBo('rest-changes');
		const first = await send(ana, channel.id, 'one');
		const middle = (await send(cy, channel.id, 'two', first.id)).version;
		await ok(ana.socket, 'channel:members:add', { channelId: channel.id, userIds: [dee.id] });
		await ok(ana.socket, 'message:edit', { messageId: first.id, body: 'one, edited' });
		await ok(ana.socket, 'channel:update', { channelId: channel.id, name: 'rest-renamed' });
		const latest = (await send(bo, channel.id, 'three')).version;

		for (const since of [0, middle, latest]) {
			const viaSocket = await ok(bo.socket, 'channel:sync', { channelId: channel.id, since });
			const viaRest = await rest<ChannelChanges>(
				bo,
				'GET',
				`/channels/${channel.id}/changes?since=${since}`
			);
			expect(viaRest).toEqual({ status: 200, body: viaSocket });
		}
		const all = await ok(bo.socket, 'channel:sync', { channelId: channel.id, since: 0 });
		expect(all.version).toBe(latest);
		expect(all.messages.map((m) => m.body)).toEqual(['two', 'one, edited', 'three']);
		expect(all.members.map((m) => m.user.displayName).sort()).toEqual(['Ana', 'Bo', 'Cy', 'Dee']);
		expect(all.channel).toMatchObject({ name: 'rest-renamed', archived: false });
	});
});
