/**
 * The live operations panel: readings every 2 s over the `admin` room, to admins only. A member
 * cannot subscribe and never receives one, also while an admin watches; losing the admin role
 * stops them at once.
 */
import { describe, expect, it } from 'vitest';
import type { LiveSample } from '#lib/shared/usage.ts';
import { call, clientId, ok, record, waitForEvent, type TestUser } from './helpers/channels.ts';
import { newChat } from './helpers/chats.ts';
import { useParley } from './helpers/kit.ts';

let admin: TestUser;
let member: TestUser;

useParley({ fakeProvider: true }, async (kit) => {
	admin = await kit.user('Olga Operator');
	member = await kit.user('Max Member');
	await kit.setUpProvider(admin);
});

const setRole = (user: TestUser, role: 'admin' | 'user') =>
	admin.http.json(`/api/v1/admin/users/${user.id}`, { method: 'PATCH', body: { role } });

describe('admins', () => {
	it('get the recent history, then a reading every 2 s with the server’s figures', async () => {
		const { samples } = await ok(admin.socket, 'usage:live:watch', { watch: true });
		expect(Array.isArray(samples)).toBe(true);
		const first = await waitForEvent(admin.socket, 'usage:live', () => true, 5000);
		const second = await waitForEvent(admin.socket, 'usage:live', () => true, 5000);
		expect(second.at - first.at).toBeGreaterThanOrEqual(1500);
		expect(second.at - first.at).toBeLessThan(3500);
		expect(second).toMatchObject({ connectedUsers: 2, sockets: 2, activeStreams: 0, openNotes: 0 });
		expect(second.rooms).toBeGreaterThanOrEqual(1);
		expect(second.eventsOutPerSec).toBeGreaterThan(0);
		expect(second.rssBytes).toBeGreaterThan(10_000_000);
		expect(second.heapUsedBytes).toBeGreaterThan(0);
		expect(second.loopDelayMaxMs).toBeGreaterThanOrEqual(second.loopDelayMeanMs);
	});

	it('see AI answers while they stream', async () => {
		const chatId = await newChat(admin);
		await ok(admin.socket, 'chat:send', {
			chatId,
			content: 'Slow please [[tokens=200 delay=25]]',
			parentId: null,
			clientId: clientId()
		});
		const streaming = await waitForEvent(
			admin.socket,
			'usage:live',
			(s) => s.activeStreams > 0,
			6000
		);
		expect(streaming.activeStreams).toBe(1);
	});
});

describe('members', () => {
	it('cannot watch, and receive nothing while an admin does', async () => {
		const refused = await call(member.socket, 'usage:live:watch', { watch: true });
		expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const seen = record(member.socket, 'usage:live');
		await ok(admin.socket, 'usage:live:watch', { watch: true });
		await waitForEvent(admin.socket, 'usage:live', () => true, 5000);
		await waitForEvent(admin.socket, 'usage:live', () => true, 5000);
		seen.stop();
		expect(seen.events).toEqual([]);
	});

	it('stop receiving the moment they stop being admins', async () => {
		expect((await setRole(member, 'admin')).status).toBe(200);
		await ok(member.socket, 'usage:live:watch', { watch: true });
		await waitForEvent(member.socket, 'usage:live', () => true, 5000);
		// The role change reaches the socket first, then nothing more arrives.
		const demoted = waitForEvent(member.socket, 'user:updated', (u) => u.role === 'user', 5000);
		expect((await setRole(member, 'user')).status).toBe(200);
		await demoted;
		const seen = record(member.socket, 'usage:live');
		await waitForEvent(admin.socket, 'usage:live', () => true, 5000);
		await waitForEvent(admin.socket, 'usage:live', () => true, 5000);
		seen.stop();
		expect(seen.events as LiveSample[]).toEqual([]);
		const again = await call(member.socket, 'usage:live:watch', { watch: true });
		expect(again).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});
});
