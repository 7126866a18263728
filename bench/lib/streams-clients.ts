/**
 * The load generator for bench/streams.ts, in its own process: one Socket.IO connection per user
 * (websocket, the user's session cookie), one answer streaming per socket, plus baseline streams
 * read straight from the fake provider's SSE. Every content token the fake writes carries its write
 * time (`[[stamp]]`), so each delta's latency is `receive time − write time`; app and baseline are
 * measured in this same process at the same time, so the clock offset between processes and this
 * process's own event-loop delay cancel out in their difference. Answers `StreamsClientsApi` over
 * the bench's IPC protocol (bench/lib/ipc.ts).
 */
import { createParser } from 'eventsource-parser';
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '#lib/shared/events.ts';
import type { Ack } from '#lib/shared/errors.ts';
import { openSockets } from './connect.ts';
import { percentile, sleep } from './harness.ts';
import { cpuSample, serve } from './ipc.ts';
import { now } from './latency.ts';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Latency percentiles of one set of deltas, in milliseconds. */
export interface Percentiles {
	count: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
}

const clients: { socket: AppSocket; chatId: string }[] = [];

async function emit<T>(socket: AppSocket, event: string, payload: unknown): Promise<T> {
	const ack = (await (socket as unknown as Socket)
		.timeout(30_000)
		.emitWithAck(event, payload)) as Ack<T>;
	if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
	return ack.data;
}

/** Connects one socket per session cookie, each with a chat of its own. */
async function connect(appUrl: string, cookies: string[]) {
	const t0 = performance.now();
	// A cookie is only accepted with this site's Origin, as a browser sends it.
	const origin = new URL(appUrl).origin;
	const opened = await openSockets(appUrl, cookies.length, 20, (i) => ({
		extraHeaders: { cookie: cookies[i], origin }
	}));
	for (const socket of opened.sockets as AppSocket[]) {
		clients.push({ socket, chatId: (await emit<{ id: string }>(socket, 'chat:create', {})).id });
	}
	const { failed, firstError } = opened;
	return { sockets: clients.length, failed, firstError, ms: Math.round(performance.now() - t0) };
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
		const { values } = this;
		return {
			count: values.length,
			p50: percentile(values, 50),
			p90: percentile(values, 90),
			p99: percentile(values, 99),
			max: percentile(values, 100)
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

interface GoRequest {
	/** Streams to start over the socket, one per user, spread over `spreadMs`. */
	streams: number;
	/** Direct SSE streams from the fake provider (the baseline), started alike. */
	baseline: number;
	fakeUrl: string;
	tokens: number;
	delayMs: number;
	spreadMs: number;
	/** Only deltas written by the provider in [windowStart, windowEnd] count. */
	windowStart: number;
	windowEnd: number;
}

/** Runs one phase; resolves once every stream has ended. */
async function go(request: GoRequest) {
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
	return {
		app: app.percentiles(),
		baseline: baseline.percentiles(),
		/** Answers that did not end as done, and deltas that did not fit their offset. */
		failures: counters.failures,
		gaps: counters.gaps,
		/** Every delta received over the sockets in the phase (window or not). */
		deltas: counters.deltas
	};
}

const api = { connect, go, cpu: cpuSample };
export type StreamsClientsApi = typeof api;

serve(api, null, async () => {
	for (const { socket } of clients) socket.disconnect();
	await sleep(200);
});
