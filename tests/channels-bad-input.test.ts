import { describe, expect, it } from 'vitest';
import type { ChannelChanges, MessageDto } from '#lib/shared/channels.ts';
import type { ErrorCode } from '#lib/shared/errors.ts';
import type { ClientEventInput, ClientEventName } from '#lib/shared/events.ts';
import { call, clientId, ok, RELAXED_LIMITS, rest, type TestUser } from './helpers/channels.ts';
import { useParley } from './helpers/kit.ts';

let ana: TestUser;
let bo: TestUser;
let general: string;
let other: string;
let root: MessageDto;
let reply: MessageDto;
let tombstone: MessageDto;
let elsewhere: MessageDto;
const UNKNOWN = '0190a6f4-0000-7000-8000-000000000000';

useParley({ env: RELAXED_LIMITS }, async (kit) => {
	await kit.account('Admin');
	[ana, bo] = await kit.users('Ana', 'Bo');
	general = (
		await ok(ana.socket, 'channel:create', { kind: 'public', name: 'general', memberIds: [bo.id] })
	).id;
	other = (await ok(ana.socket, 'channel:create', { kind: 'public', name: 'other' })).id;
	root = await send(general, 'a thread root');
	reply = await send(general, 'a reply', root.id);
	tombstone = await send(general, 'to be deleted');
	await ok(ana.socket, 'message:delete', { messageId: tombstone.id });
	elsewhere = await send(other, 'in another channel');
});

function send(channelId: string, body: string, parentId: string | null = null) {
	return ok(ana.socket, 'message:send', { channelId, clientId: clientId(), body, parentId });
}

/** Everything stored in both channels, with their versions. */
async function everything(): Promise<ChannelChanges[]> {
	return Promise.all(
		[general, other].map((channelId) => ok(ana.socket, 'channel:sync', { channelId, since: 0 }))
	);
}

/** Runs `attempt`, expects it to fail with `code`, and checks that nothing was written. */
async function refused(code: ErrorCode, attempt: () => Promise<unknown>): Promise<void> {
	const before = await everything();
	const result = await attempt();
	expect(result).toMatchObject({ ok: false, error: { code, message: expect.any(String) } });
	expect(await everything()).toEqual(before);
}

function attempt<E extends ClientEventName>(event: E, payload: unknown) {
	return () => call(ana.socket, event, payload as ClientEventInput<E>);
}

describe('message bodies', () => {
	it('refuses empty and whitespace-only messages', async () => {
		for (const body of ['', ' ', '\n\n', ' \t\n  \n']) {
			await refused(
				'empty_message',
				attempt('message:send', { channelId: general, clientId: clientId(), body })
			);
			await refused('empty_message', attempt('message:edit', { messageId: root.id, body }));
		}
	});

	it('accepts 16,000 characters and refuses 16,001 with the limit in the message', async () => {
		const tooLong = 'x'.repeat(16_001);
		await refused(
			'message_too_long',
			attempt('message:send', { channelId: general, clientId: clientId(), body: tooLong })
		);
		await refused(
			'message_too_long',
			attempt('message:edit', { messageId: root.id, body: tooLong })
		);
		const result = await call(ana.socket, 'message:send', {
			channelId: general,
			clientId: clientId(),
			body: tooLong
		});
		expect(!result.ok && result.error.message).toContain('16,000');
		const longest = await send(general, 'y'.repeat(16_000));
		expect(longest.body).toHaveLength(16_000);
	});

	it('stores U+0000 in text as U+FFFD on both databases, and refuses it in paths', async () => {
		const sent = await send(general, 'before\u0000after');
		expect(sent.body).toBe('before\uFFFDafter');
		const viaBody = await rest<MessageDto>(ana, 'POST', `/channels/${general}/messages`, {
			clientId: clientId(),
			body: '\u0000'
		});
		expect(viaBody).toMatchObject({ status: 201, body: { body: '\uFFFD' } });
		const page = await ok(bo.socket, 'channel:history', {
			channelId: general,
			after: sent.seq - 1
		});
		expect(page.messages.map((m) => m.body)).toEqual(['before\uFFFDafter', '\uFFFD']);
		const before = await everything();
		const odd = await call(ana.socket, 'channel:history', { channelId: `${general}\u0000` });
		expect(odd.ok).toBe(false);
		for (const path of [`/messages/%00/thread`, `/channels/${general}/messages?before=%00`]) {
			const viaUrl = await rest(ana, 'GET', path);
			expect(viaUrl, path).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
		}
		expect(await everything()).toEqual(before);
	});

	it('stores script tags, javascript: links and raw HTML verbatim', async () => {
		const bodies = [
			'<script>alert("x")</script>',
			'[click me](javascript:alert(1))',
			'<img src=x onerror="alert(1)"> & &amp; <b>bold</b>',
			'```\n<iframe src="https://example.com"></iframe>\n```'
		];
		for (const body of bodies) {
			const sent = await send(general, body);
			expect(sent.body).toBe(body);
			const page = await ok(bo.socket, 'channel:history', {
				channelId: general,
				after: sent.seq - 1,
				limit: 1
			});
			expect(page.messages[0].body).toBe(body);
			const viaRest = await rest<{ messages: MessageDto[] }>(
				bo,
				'GET',
				`/channels/${general}/messages?after=${sent.seq - 1}&limit=1`
			);
			expect(viaRest.body.messages[0].body).toBe(body);
		}
		const edited = await ok(ana.socket, 'message:edit', { messageId: root.id, body: bodies[0] });
		expect(edited.body).toBe(bodies[0]);
	});
});

describe('reactions', () => {
	it('refuses anything that is not a single known emoji', async () => {
		for (const emoji of ['abc', ':)', ':thumbsup:', '', '👍👍', '<b>']) {
			await refused('unknown_emoji', attempt('message:react', { messageId: root.id, emoji }));
		}
	});
});

describe('references', () => {
	it('reports unknown channels and messages as not found', async () => {
		const channelEvents = [
			['message:send', { channelId: UNKNOWN, clientId: clientId(), body: 'hi' }],
			['channel:history', { channelId: UNKNOWN }],
			['channel:sync', { channelId: UNKNOWN, since: 0 }],
			['channel:read', { channelId: UNKNOWN, seq: 1 }],
			['channel:typing', { channelId: UNKNOWN }],
			['channel:update', { channelId: UNKNOWN, name: 'x' }],
			['channel:join', { channelId: UNKNOWN }],
			['channel:members', { channelId: UNKNOWN }],
			['message:edit', { messageId: UNKNOWN, body: 'x' }],
			['message:delete', { messageId: UNKNOWN }],
			['message:react', { messageId: UNKNOWN, emoji: '👍' }],
			['thread:history', { messageId: UNKNOWN }],
			['message:send', { channelId: general, clientId: clientId(), body: 'x', parentId: UNKNOWN }]
		] as const;
		for (const [event, payload] of channelEvents) {
			await refused('not_found', attempt(event, payload));
		}
	});

	it('refuses changes to a deleted message', async () => {
		await refused(
			'message_deleted',
			attempt('message:edit', { messageId: tombstone.id, body: 'x' })
		);
		await refused('message_deleted', attempt('message:delete', { messageId: tombstone.id }));
		await refused(
			'message_deleted',
			attempt('message:react', { messageId: tombstone.id, emoji: '👍' })
		);
		await refused(
			'message_deleted',
			attempt('message:send', {
				channelId: general,
				clientId: clientId(),
				body: 'x',
				parentId: tombstone.id
			})
		);
	});

	it('refuses replies across channels and replies to replies', async () => {
		await refused(
			'wrong_channel',
			attempt('message:send', {
				channelId: general,
				clientId: clientId(),
				body: 'x',
				parentId: elsewhere.id
			})
		);
		await refused(
			'nested_thread',
			attempt('message:send', {
				channelId: general,
				clientId: clientId(),
				body: 'x',
				parentId: reply.id
			})
		);
		await refused('nested_thread', attempt('thread:history', { messageId: reply.id }));
	});
});

describe('malformed payloads', () => {
	const base = { channelId: 'x', clientId: 'client-0001', body: 'hi' };

	it('refuses wrong types, missing fields and extra nesting with a validation error', async () => {
		const cases: [ClientEventName, unknown][] = [
			['message:send', { ...base, channelId: general, body: 42 }],
			['message:send', { ...base, channelId: 7 }],
			['message:send', { clientId: 'client-0001', body: 'hi' }],
			['message:send', { ...base, channelId: general, clientId: 'short' }],
			['message:send', { ...base, channelId: general, parentId: { id: root.id } }],
			['message:send', { message: { ...base, channelId: general } }],
			['message:send', 'hello'],
			['message:send', null],
			['message:send', [base]],
			['message:edit', { messageId: root.id }],
			['message:edit', { messageId: root.id, body: ['x'] }],
			['message:react', { messageId: root.id, emoji: 1 }],
			['message:react', { messageId: root.id, emoji: 'x'.repeat(65) }],
			['channel:history', { channelId: general, limit: 0 }],
			['channel:history', { channelId: general, limit: 201 }],
			['channel:history', { channelId: general, before: '10' }],
			['channel:sync', { channelId: general, since: -1 }],
			['channel:sync', { channelId: general, since: 1.5 }],
			// Cursors past 2^53 are not exact numbers, and past 2^63 SQLite cannot take them.
			['channel:sync', { channelId: general, since: 1e21 }],
			['channel:history', { channelId: general, before: 2 ** 64 }],
			['channel:read', { channelId: general, seq: 2 ** 53 }],
			['channel:read', { channelId: general }],
			['channel:create', { kind: 'secret', name: 'x' }],
			['channel:create', { kind: 'public', name: '   ' }],
			['channel:update', { channelId: general, archived: 'yes' }],
			['presence:set', { state: 'asleep' }]
		];
		for (const [event, payload] of cases) await refused('validation', attempt(event, payload));
	});

	it('answers an event sent without a payload, or with extra arguments', async () => {
		const raw = ana.socket.timeout(5000) as unknown as {
			emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
		};
		await refused('validation', () => raw.emitWithAck('message:send'));
		await refused('validation', () =>
			raw.emitWithAck('message:send', { ...base, channelId: general }, 'extra')
		);
	});

	it('refuses malformed REST requests', async () => {
		const expectRefused = async (
			status: number,
			code: ErrorCode,
			request: () => Promise<{ status: number; body: unknown }>
		) => {
			const before = await everything();
			const response = await request();
			expect(response).toMatchObject({ status, body: { error: { code } } });
			expect(await everything()).toEqual(before);
		};
		const raw = (method: string, path: string, body: string) =>
			ana.http
				.request(`/api/v1${path}`, {
					method,
					headers: { 'content-type': 'application/json', origin: ana.http.origin },
					body
				})
				.then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));
		await expectRefused(400, 'bad_request', () =>
			raw('POST', `/channels/${general}/messages`, '{"body": "x",')
		);
		await expectRefused(400, 'validation', () =>
			rest(ana, 'POST', `/channels/${general}/messages`, { clientId: clientId(), body: 5 })
		);
		await expectRefused(400, 'validation', () =>
			rest(ana, 'POST', `/channels/${general}/messages`, { body: 'no client id' })
		);
		await expectRefused(400, 'empty_message', () =>
			rest(ana, 'POST', `/channels/${general}/messages`, { clientId: clientId(), body: ' ' })
		);
		await expectRefused(400, 'validation', () => rest(ana, 'PATCH', `/messages/${root.id}`, {}));
		await expectRefused(400, 'unknown_emoji', () =>
			rest(ana, 'POST', `/messages/${root.id}/reactions`, { emoji: ':)' })
		);
		await expectRefused(400, 'validation', () =>
			rest(ana, 'GET', `/channels/${general}/changes?since=abc`)
		);
		await expectRefused(400, 'validation', () =>
			rest(ana, 'GET', `/channels/${general}/messages?limit=-1`)
		);
		await expectRefused(404, 'not_found', () => rest(ana, 'GET', `/channels/${UNKNOWN}/messages`));
		await expectRefused(400, 'validation', () =>
			rest(ana, 'POST', `/channels/${general}/read`, { seq: 'all' })
		);
	});
});
