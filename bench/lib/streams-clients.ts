/**
 * The load generator for bench/streams.ts, in its own process: one Socket.IO connection per user
 * (websocket, the user's session cookie), one answer streaming per socket, plus baseline streams
 * read straight from the fake provider's SSE. Every content token the fake writes carries its write
 * time (`[[stamp]]`), so each delta's latency is `receive time − write time`; app and baseline are
 * measured in this same process at the same time, so the clock offset between processes and this
 * process's own event-loop delay cancel out in their difference.
 */
import { createParser } from 'eventsource-parser';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '#lib/shared/events.ts';
import type { Ack } from '#lib/shared/errors.ts';
import type { ClientReply, ClientRequest, ClientUser, Percentiles } from './streams-ipc.ts';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

if (!process.send) throw new Error('this script must be spawned with an IPC channel');
const send = (message: ClientReply) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const clients: { socket: AppSocket; chatId: string }[] = [];

async function emit<T>(socket: AppSocket, event: string, payload: unknown): Promise<T> {
	const ack = (await (socket as unknown as Socket)
		.timeout(30_000)
		.emitWithAck(event, payload)) as Ack<T>;
	if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
	return ack.data;
}

async function connect(appUrl: string, users: ClientUser[]): Promise<void> {
	const t0 = performance.now();
	let failed = 0;
	let firstError: string | null = null;
	const queue = [...users];
	const lane = async () => {
		for (let user = queue.shift(); user; user = queue.shift()) {
			const socket: AppSocket = io(appUrl, {
				transports: ['websocket'],
				reconnection: false,
				forceNew: true,
				timeout: 30_000,
				// A cookie is only accepted with this site's Origin, as a browser sends it.
				extraHeaders: { cookie: user.cookie, origin: new URL(appUrl).origin }
			});
			try {
				await new Promise<void>((resolve, reject) => {
					socket.once('connect', resolve);
					socket.once('connect_error', reject);
				});
				const chat = await emit<{ id: string }>(socket, 'chat:create', {});
				clients.push({ socket, chatId: chat.id });
			} catch (error) {
				failed += 1;
				firstError ??= error instanceof Error ? error.message : String(error);
				socket.close();
			}
		}
	};
	await Promise.all(Array.from({ length: 20 }, lane));
	send({
		type: 'connected',
		sockets: clients.length,
		failed,
		firstError,
		ms: Math.round(performance.now() - t0)
	});
}

const STAMP = /(\d+\.\d{3}) /g;

/** Latencies of the deltas written inside the window. */
class Samples {
	values: number[] = [];
	readonly windowStart: number;
	readonly windowEnd: number;
	constructor(windowStart: number, windowEnd: number) {
		this.windowStart = windowStart;
		this.windowEnd = windowEnd;
	}
	add(text: string, receivedAt: number): void {
		for (const match of text.matchAll(STAMP)) {
			const written = Number(match[1]);
			if (written >= this.windowStart && written <= this.windowEnd) {
				this.values.push(receivedAt - written);
			}
		}
	}
	percentiles(): Percentiles {
		const sorted = Float64Array.from(this.values).sort();
		const at = (q: number) =>
			sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
		return {
			count: sorted.length,
			p50: at(0.5),
			p90: at(0.9),
			p99: at(0.99),
			max: sorted.length ? sorted[sorted.length - 1] : NaN
		};
	}
}

/** One stream over the app: sends a prompt, records deltas until the answer ends. */
async function appStream(
	client: (typeof clients)[number],
	prompt: string,
	samples: Samples,
	counters: { deltas: number; gaps: number; failures: string[] }
): Promise<void> {
	const { socket, chatId } = client;
	const answer: { id?: string } = {};
	let length = 0;
	const early: Parameters<ServerToClientEvents['chat:delta']>[0][] = [];
	const ended = new Promise<void>((resolve) => {
		const onDelta: ServerToClientEvents['chat:delta'] = (delta) => {
			const receivedAt = now();
			counters.deltas += 1;
			if (!answer.id) return void early.push(delta);
			if (delta.messageId !== answer.id || delta.field !== 'content') return;
			if (delta.offset !== length) counters.gaps += 1;
			length = delta.offset + delta.text.length;
			samples.add(delta.text, receivedAt);
		};
		const onMessage: ServerToClientEvents['chat:message'] = (message) => {
			if (message.id !== answer.id || message.status === 'streaming') return;
			if (message.status !== 'done') counters.failures.push(`${message.status}: ${message.error}`);
			socket.off('chat:delta', onDelta);
			socket.off('chat:message', onMessage);
			resolve();
		};
		socket.on('chat:delta', onDelta);
		socket.on('chat:message', onMessage);
	});
	const sent = await emit<{ assistant: { id: string } }>(socket, 'chat:send', {
		chatId,
		content: prompt,
		parentId: null,
		clientId: `bench-${chatId}-${Date.now()}`
	});
	answer.id = sent.assistant.id;
	// Deltas can only precede the acknowledgement by microseconds; count them as late as the ack.
	for (const delta of early) {
		if (delta.messageId === answer.id && delta.field === 'content') {
			length = delta.offset + delta.text.length;
			samples.add(delta.text, now());
		}
	}
	await ended;
}

/** One stream read straight from the fake provider: the baseline. */
async function directStream(fakeUrl: string, prompt: string, samples: Samples): Promise<void> {
	const response = await fetch(`${fakeUrl}/chat/completions`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			model: 'fake-gpt',
			stream: true,
			messages: [{ role: 'user', content: prompt }]
		})
	});
	if (!response.ok || !response.body) throw new Error(`baseline stream: HTTP ${response.status}`);
	const parser = createParser({
		onEvent(event) {
			if (event.data === '[DONE]') return;
			const chunk = JSON.parse(event.data) as { choices?: { delta?: { content?: string } }[] };
			const text = chunk.choices?.[0]?.delta?.content;
			if (text) samples.add(text, now());
		}
	});
	const decoder = new TextDecoder();
	for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
}

async function go(request: Extract<ClientRequest, { type: 'go' }>): Promise<void> {
	if (request.streams > clients.length) {
		throw new Error(`${request.streams} streams asked, ${clients.length} sockets connected`);
	}
	const app = new Samples(request.windowStart, request.windowEnd);
	const baseline = new Samples(request.windowStart, request.windowEnd);
	const counters = { deltas: 0, gaps: 0, failures: [] as string[] };
	const prompt = `Bench [[tokens=${request.tokens} delay=${request.delayMs} stamp]]`;
	const total = request.streams + request.baseline;
	// The baseline streams sit evenly among the app streams; all start spread over spreadMs.
	const direct = new Set(
		Array.from({ length: request.baseline }, (_, b) =>
			Math.floor(((b + 0.5) * total) / request.baseline)
		)
	);
	const runs: Promise<void>[] = [];
	let next = 0;
	for (let i = 0; i < total; i++) {
		const run = direct.has(i)
			? directStream(request.fakeUrl, prompt, baseline)
			: appStream(clients[next++], prompt, app, counters);
		runs.push(run.catch((error: unknown) => void counters.failures.push(String(error))));
		await sleep(request.spreadMs / total);
	}
	await Promise.all(runs);
	send({
		type: 'done',
		app: app.percentiles(),
		baseline: baseline.percentiles(),
		failures: counters.failures,
		gaps: counters.gaps,
		deltas: counters.deltas
	});
}

process.on('message', (message: ClientRequest) => {
	const fail = (error: unknown) =>
		send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
	if (message.type === 'connect') void connect(message.appUrl, message.users).catch(fail);
	else if (message.type === 'go') void go(message).catch(fail);
	else if (message.type === 'stats') {
		send({ type: 'stats', id: message.id, stats: { cpu: process.cpuUsage(), at: now() } });
	} else if (message.type === 'close') {
		for (const { socket } of clients) socket.disconnect();
		setTimeout(() => process.exit(0), 200);
	}
});
process.on('disconnect', () => process.exit(0));
