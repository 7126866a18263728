/**
 * A fake OpenAI-compatible server for tests and benchmarks. It streams exactly like OpenAI's
 * /v1/chat/completions (SSE framing, chat.completion.chunk objects, a final finish_reason chunk, a
 * usage-only chunk when asked, then `data: [DONE]`) and lists models at /v1/models. Behaviour per
 * request comes from a scenario: set one with `setScenario()`, or put directives in the last user
 * message, e.g. `[[tokens=20 delay=10 reasoning=5 fail=500]]`. It records every request and whether
 * the client hung up before the end.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Scenario {
	/** How many content tokens to stream (default 8). */
	tokens: number;
	/** Milliseconds between chunks (default 0). */
	delay: number;
	/** Milliseconds before the first chunk (default 0). */
	firstDelay: number;
	/** Reasoning tokens before the content, as `reasoning_content` deltas. */
	reasoning: number;
	/** The reasoning to stream instead of numbered tokens (split on spaces). */
	reasoningText?: string;
	/** The text to stream instead of numbered tokens (split on spaces). */
	reply?: string;
	/** Answer with this HTTP status and an OpenAI error body instead of streaming. */
	fail?: number;
	/** Send an error after this many content tokens, in the shape `errorStyle` says. */
	errorAfter?: number;
	/**
	 * How the mid-stream error looks: `openai` (default; also vLLM and OpenRouter): a `data:` event
	 * `{"error":{message,type,code}}`, then the stream ends. `llamacpp`: llama.cpp's server since
	 * late 2025, `data: {"error":{code,message,type}}` and the stream ends without `[DONE]`.
	 * `llamacpp-legacy`: llama.cpp's server before that (`server_sent_event(sink, "error", …)`), an
	 * `error: {code,message,type}` line (not a standard SSE field) followed by `data: [DONE]`.
	 */
	errorStyle?: 'openai' | 'llamacpp' | 'llamacpp-legacy';
	/** Write the error event in pieces of this many bytes, 5 ms apart (split across reads). */
	errorChop?: number;
	/** The final chunk's finish_reason (default `stop`): `length`, `content_filter`, `error`… */
	finish?: string;
	/** End the stream without `data: [DONE]` (ik_llama.cpp's default). */
	noDone?: boolean;
	/** The message of the error object (`errorAfter`) or error body (`fail`). */
	errorMessage?: string;
	/** Close the connection mid-line after this many content tokens. */
	breakAfter?: number;
	/** Never answer (headers included). */
	hang?: boolean;
	/** Stop sending after this many tokens but keep the connection open. */
	stallAfter?: number;
	/** Answer 200 with an HTML page. */
	html?: boolean;
	/** Answer 200 with plain text that is not an event stream. */
	garbage?: boolean;
	/** Awaited before each content chunk is written (its index from 0): lets a test pace a stream. */
	beforeChunk?: (index: number) => Promise<void>;
	/** Leave out the usage chunk even when asked. */
	noUsage?: boolean;
	/** Use the `reasoning` field name instead of `reasoning_content`. */
	reasoningField?: 'reasoning_content' | 'reasoning';
	/** Put several events in one write. */
	batch?: number;
	/** Answer non-streaming requests (title generation) with this HTTP status instead. */
	titleFail?: number;
	/** Stream the Authorization header received as the answer, a few characters per chunk. */
	leak?: boolean;
	/**
	 * Benchmarks: each content token is the time it is written, `performance.timeOrigin +
	 * performance.now()` in milliseconds with three decimals, followed by a space.
	 */
	stamp?: boolean;
}

export interface RecordedRequest {
	path: string;
	body: {
		model?: string;
		messages?: { role: string; content: string }[];
		stream?: boolean;
		stream_options?: unknown;
	};
	authorization: string | undefined;
	/** The client closed the connection before the answer ended. */
	aborted: boolean;
	finished: boolean;
}

export interface FakeOpenAI {
	url: string;
	requests: RecordedRequest[];
	/** One scenario for every request, or one chosen per request from its body. */
	setScenario(scenario: Partial<Scenario> | ScenarioFor | null): void;
	/** Called with each chunk's write time (ms, performance.timeOrigin-based) for latency benchmarks. */
	onChunk?: (index: number, at: number) => void;
	close(): Promise<void>;
}

export type ScenarioFor = (body: RecordedRequest['body']) => Partial<Scenario> | null;

const DEFAULTS: Scenario = { tokens: 8, delay: 0, firstDelay: 0, reasoning: 0 };

export function parseDirectives(text: string): Partial<Scenario> {
	const match = /\[\[(.*?)\]\]/.exec(text);
	if (!match) return {};
	const scenario: Record<string, unknown> = {};
	for (const part of match[1].trim().split(/\s+/)) {
		const [key, value] = part.split('=');
		scenario[key] = value === undefined ? true : /^\d+$/.test(value) ? Number(value) : value;
	}
	return scenario as Partial<Scenario>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeOpenAI(
	options: {
		models?: string[];
		apiKey?: string;
		port?: number;
		/** Every error message quotes the Authorization header received (as some proxies do). */
		echoAuthorization?: boolean;
	} = {}
): Promise<FakeOpenAI> {
	const models = options.models ?? ['fake-gpt', 'fake-reasoner'];
	const requests: RecordedRequest[] = [];
	let fixed: Partial<Scenario> | ScenarioFor | null = null;
	const sockets = new Set<import('node:net').Socket>();

	const fake: FakeOpenAI = {
		url: '',
		requests,
		setScenario(scenario) {
			fixed = scenario;
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};

	const server = http.createServer((req, res) => {
		void handle(req, res).catch(() => res.destroy());
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const quote = (message: string) =>
			options.echoAuthorization
				? `${message} You sent "Authorization: ${req.headers.authorization ?? ''}".`
				: message;
		if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
			return sendError(res, 401, quote('Incorrect API key provided.'), 'invalid_api_key');
		}
		if (req.method === 'GET' && req.url === '/v1/models') {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					object: 'list',
					data: models.map((id) => ({
						id,
						object: 'model',
						created: 1_700_000_000,
						owned_by: 'fake'
					}))
				})
			);
			return;
		}
		if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.end('<!doctype html><html><body>Not an API</body></html>');
			return;
		}
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = JSON.parse(Buffer.concat(chunks).toString()) as RecordedRequest['body'];
		const record: RecordedRequest = {
			path: req.url,
			body,
			authorization: req.headers.authorization,
			aborted: false,
			finished: false
		};
		requests.push(record);
		res.on('close', () => {
			if (!record.finished) record.aborted = true;
		});
		const lastUser =
			[...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
		const chosen = typeof fixed === 'function' ? fixed(body) : fixed;
		const scenario: Scenario = { ...DEFAULTS, ...(chosen ?? {}), ...parseDirectives(lastUser) };
		if (scenario.hang) return; // never answer; the client must give up
		if (!body.stream && scenario.titleFail) {
			record.finished = true;
			return sendError(res, scenario.titleFail, quote('Simulated title failure'), 'server_error');
		}
		if (scenario.firstDelay) await sleep(scenario.firstDelay);
		if (scenario.fail) {
			const message = scenario.errorMessage ?? `Simulated failure ${scenario.fail}`;
			return sendError(res, scenario.fail, quote(message), 'server_error');
		}
		if (scenario.html) {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end('<!doctype html><html><head><title>Open WebUI</title></head><body></body></html>');
			record.finished = true;
			return;
		}
		if (scenario.garbage) {
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.end('this is not an event stream');
			record.finished = true;
			return;
		}
		const words = scenario.leak
			? (`Your key: ${req.headers.authorization ?? ''} `.match(/.{1,4}/g) ?? [])
			: scenario.reply
				? scenario.reply.split(/(?<= )/)
				: Array.from({ length: scenario.tokens }, (_, i) => `t${i} `);
		if (!body.stream) {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify(completion(body.model ?? '', words.join(''), body)));
			record.finished = true;
			return;
		}
		await stream(res, record, body, scenario, words, quote);
	}

	async function stream(
		res: ServerResponse,
		record: RecordedRequest,
		body: RecordedRequest['body'],
		s: Scenario,
		words: string[],
		quote: (message: string) => string
	) {
		res.writeHead(200, {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache',
			connection: 'keep-alive'
		});
		const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
		const created = Math.floor(Date.now() / 1000);
		const chunk = (delta: object, finish: string | null = null) =>
			`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_fake', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
		let pending = '';
		let sent = 0;
		const flush = async (force = false) => {
			if (!pending) return;
			if (!force && s.batch && sent % s.batch !== 0) return;
			res.write(pending);
			fake.onChunk?.(sent, performance.timeOrigin + performance.now());
			pending = '';
			if (s.delay) await sleep(s.delay);
		};
		pending += chunk({ role: 'assistant', content: '', refusal: null });
		await flush(true);
		const field = s.reasoningField ?? 'reasoning_content';
		const thoughts = s.reasoningText
			? s.reasoningText.split(/(?<= )/)
			: Array.from({ length: s.reasoning }, (_, i) => `r${i} `);
		for (const thought of thoughts) {
			if (res.destroyed) return;
			pending += chunk({ [field]: thought });
			sent++;
			await flush();
		}
		for (let i = 0; i < words.length; i++) {
			if (res.destroyed) return;
			if (s.errorAfter === i) {
				await flush(true);
				await writeError(res, s, quote(s.errorMessage ?? CRASH));
				record.finished = true;
				res.end();
				return;
			}
			if (s.breakAfter === i) {
				await flush(true);
				res.write('data: {"id":"' + id + '","object":"chat.completion.chunk","choi');
				record.finished = true;
				res.destroy();
				return;
			}
			if (s.stallAfter === i) {
				await flush(true);
				return; // keep the connection open and silent
			}
			if (s.beforeChunk) {
				await s.beforeChunk(i);
				if (res.destroyed) return;
			}
			const text = s.stamp
				? `${(performance.timeOrigin + performance.now()).toFixed(3)} `
				: words[i];
			pending += chunk({ content: text });
			sent++;
			await flush();
		}
		pending += chunk({}, s.finish ?? 'stop');
		const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)
			?.include_usage;
		if (wantsUsage && !s.noUsage) {
			const prompt = (body.messages ?? []).reduce((n, m) => n + m.content.split(/\s+/).length, 0);
			const completionTokens = words.length + thoughts.length;
			pending += `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_fake', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens } })}\n\n`;
		}
		if (!s.noDone) pending += 'data: [DONE]\n\n';
		await flush(true);
		record.finished = true;
		res.end();
	}

	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
	return fake;
}

const CRASH = 'The model crashed mid-answer.';

/** A mid-stream error saying `message`, exactly as the server `s.errorStyle` names writes it. */
async function writeError(res: ServerResponse, s: Scenario, message: string): Promise<void> {
	const llama = { code: 500, message, type: 'server_error' };
	const text =
		s.errorStyle === 'llamacpp-legacy'
			? `error: ${JSON.stringify(llama)}\n\ndata: [DONE]\n\n`
			: s.errorStyle === 'llamacpp'
				? `data: ${JSON.stringify({ error: llama })}\n\n`
				: `data: ${JSON.stringify({ error: { message, type: 'server_error', code: null } })}\n\n`;
	const piece = s.errorChop ?? text.length;
	for (let at = 0; at < text.length; at += piece) {
		if (at > 0) await sleep(5);
		res.write(text.slice(at, at + piece));
	}
}

function sendError(res: ServerResponse, status: number, message: string, code: string): void {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify({ error: { message, type: code, param: null, code } }));
}

function completion(model: string, text: string, body: RecordedRequest['body']) {
	const prompt = (body.messages ?? []).reduce((n, m) => n + m.content.split(/\s+/).length, 0);
	const tokens = text.split(/\s+/).filter(Boolean).length;
	return {
		id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [
			{
				index: 0,
				message: { role: 'assistant', content: text.trim(), refusal: null },
				logprobs: null,
				finish_reason: 'stop'
			}
		],
		usage: { prompt_tokens: prompt, completion_tokens: tokens, total_tokens: prompt + tokens }
	};
}
