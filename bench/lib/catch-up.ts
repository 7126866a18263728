/**
 * The offline-client scenario of bench/channels.ts: a member's browser logic (the real
 * ChannelSync and Timeline from src/lib/client/channels) opens a channel and goes offline; bots
 * post many messages over REST; the client reconnects and catches up with one `channel:sync`.
 */
import { ChannelSync } from '#lib/client/channels/channel-sync.ts';
import type { Transport } from '#lib/client/channels/transport.ts';
import type { ChannelChanges, MessageDto } from '#lib/shared/channels.ts';
import { call } from '../../tests/helpers/channels.ts';
import { connected, type TestSocket } from '../../tests/helpers/client.ts';
import { socketTransport } from '../../tests/helpers/transport.ts';
import { withTimeout } from './harness.ts';
import { now } from './latency.ts';
import type { BenchUser } from './workspace.ts';

const FILLER = 'the quick brown fox jumps over the lazy dog while the bench measures catch-up';

/** A client that has loaded a channel and then gone offline. */
export interface OfflineClient {
	socket: TestSocket;
	sync: ChannelSync;
	/** The cursor it will catch up from. */
	cursor: number;
	/** Resolves the catch-up measurement once the timeline reaches `target`. */
	catchUp(target: number, expectedMessages: number): Promise<CatchUpTiming>;
}

export interface CatchUpTiming {
	/** `socket.connect()` until the handshake completed. */
	handshakeMs: number;
	/** `channel:sync` sent (on connect) until its acknowledgement was decoded by socket.io-client. */
	requestMs: number;
	/** Acknowledgement decoded until ChannelSync had applied it to the Timeline. */
	applyMs: number;
	/** `channel:sync` sent until applied: the figure the goal applies to. */
	totalMs: number;
	applied: number;
}

export async function goOffline(user: BenchUser, channelId: string): Promise<OfflineClient> {
	const socket = user.http.socket();
	// Registered before ChannelSync's own connect handler, so it runs first on reconnect: its
	// reading is taken just before ChannelSync sends `channel:sync`.
	const marks = { connectAt: 0, connectedAt: 0, ackAt: 0, appliedAt: 0, target: Infinity };
	socket.on('connect', () => (marks.connectedAt = now()));
	await connected(socket);
	const inner = socketTransport(socket);
	const transport: Transport = {
		async emit(event, payload) {
			const result = await inner.emit(event, payload);
			if (event === 'channel:sync') marks.ackAt = now();
			return result;
		},
		on: (event, listener) => inner.on(event, listener),
		onConnected: (handler) => inner.onConnected(handler),
		get connected() {
			return inner.connected;
		}
	};
	let done: (error?: Error) => void = () => {};
	const sync = new ChannelSync(channelId, transport, () => {
		if (marks.appliedAt) return;
		if (sync.timeline.cursor >= marks.target) {
			marks.appliedAt = now();
			done();
		} else if (sync.error && marks.target !== Infinity) {
			done(new Error(`channel:sync answered ${sync.error.code}: ${sync.error.message}`));
		}
	});
	await sync.open();
	const cursor = sync.timeline.cursor;
	const before = sync.timeline.messages.size;
	socket.disconnect();

	return {
		socket,
		sync,
		cursor,
		async catchUp(target, expectedMessages) {
			const applied = new Promise<void>((resolve, reject) => {
				done = (error) => (error ? reject(error) : resolve());
			});
			marks.target = target;
			marks.connectAt = now();
			socket.connect();
			await withTimeout(applied, 60_000, 'catch-up').catch((error: Error) => {
				const state = `cursor ${sync.timeline.cursor}, target ${target}`;
				throw new Error(`${error.message} (${state}, connected ${socket.connected})`);
			});
			const count = sync.timeline.messages.size - before;
			if (count !== expectedMessages) {
				throw new Error(`catch-up applied ${count} messages, expected ${expectedMessages}`);
			}
			return {
				handshakeMs: marks.connectedAt - marks.connectAt,
				requestMs: marks.ackAt - marks.connectedAt,
				applyMs: marks.appliedAt - marks.ackAt,
				totalMs: marks.appliedAt - marks.connectedAt,
				applied: count
			};
		}
	};
}

/**
 * Posts `total` messages to a channel over REST (`POST /api/v1/channels/:id/messages`), one bot per
 * token with `perToken` requests in flight each. Returns the channel's version after the last one.
 */
export async function postMessages(
	url: string,
	channelId: string,
	tokens: string[],
	total: number,
	perToken: number,
	runId: string
): Promise<{ ms: number; version: number }> {
	let next = 0;
	let version = 0;
	const t0 = now();
	const lane = async (token: string) => {
		while (next < total) {
			const i = next++;
			const response = await fetch(`${url}/api/v1/channels/${channelId}/messages`, {
				method: 'POST',
				headers: {
					authorization: `Bearer ${token}`,
					accept: 'application/json',
					'content-type': 'application/json'
				},
				body: JSON.stringify({ clientId: `seed-${runId}-${i}`, body: `catch-up ${i} ${FILLER}` })
			});
			const body = (await response.json()) as MessageDto & { error?: { message: string } };
			if (response.status !== 201) {
				throw new Error(
					`posting message ${i} failed: HTTP ${response.status} ${body.error?.message}`
				);
			}
			version = Math.max(version, body.version);
		}
	};
	await Promise.all(tokens.flatMap((token) => Array.from({ length: perToken }, () => lane(token))));
	return { ms: now() - t0, version };
}

/** One raw `channel:sync` over a connected socket: request until the decoded acknowledgement. */
export async function rawSocketSync(
	socket: TestSocket,
	channelId: string,
	since: number
): Promise<{ ms: number; messages: number }> {
	const t0 = now();
	const result = await call(socket, 'channel:sync', { channelId, since });
	const ms = now() - t0;
	if (!result.ok) throw new Error(`channel:sync failed: ${result.error.message}`);
	return { ms, messages: result.data.messages.length };
}

/** One `GET /api/v1/channels/:id/changes?since=`: request until the body is parsed. */
export async function restSync(
	user: BenchUser,
	url: string,
	channelId: string,
	since: number
): Promise<{ ms: number; bytes: number; messages: number; parseMs: number }> {
	const t0 = now();
	const response = await fetch(`${url}/api/v1/channels/${channelId}/changes?since=${since}`, {
		headers: { cookie: user.cookie, accept: 'application/json' }
	});
	const text = await response.text();
	const t1 = now();
	const changes = JSON.parse(text) as ChannelChanges;
	const t2 = now();
	if (response.status !== 200) throw new Error(`GET changes failed with HTTP ${response.status}`);
	return {
		ms: t2 - t0,
		parseMs: t2 - t1,
		bytes: Buffer.byteLength(text),
		messages: changes.messages.length
	};
}
