import WebSocket from 'ws';

/**
 * A bare Engine.IO v4 connection over a WebSocket, below socket.io-client: the test writes and
 * reads the protocol's frames itself (`40{…}` to connect, `42[…]` events, binary attachments), so
 * it can send what no well-behaved client would and see exactly what the server answers.
 */
export class RawSocket {
	readonly ws: WebSocket;
	/** Every frame the server sent, in order (text frames as strings, binary ones as Buffers). */
	readonly frames: (string | Buffer)[] = [];
	/** Resolves with the close code once the connection is closed (by either side). */
	readonly closed: Promise<number>;
	#waiters: (() => void)[] = [];

	constructor(baseUrl: string, headers: Record<string, string> = {}) {
		const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
		this.ws = new WebSocket(url, { headers });
		this.ws.on('message', (data: Buffer, isBinary) => {
			this.frames.push(isBinary ? data : data.toString());
			for (const wake of this.#waiters.splice(0)) wake();
		});
		this.closed = new Promise((resolve) => {
			this.ws.once('close', (code) => {
				resolve(code);
				for (const wake of this.#waiters.splice(0)) wake();
			});
		});
		// An upgrade refused with an HTTP answer, or a reset: the test reads it from `opened`/`closed`.
		this.ws.on('error', () => {});
	}

	/** Resolves once the server has answered the upgrade and sent its Engine.IO open packet. */
	async opened(): Promise<void> {
		await this.frame((f) => typeof f === 'string' && f.startsWith('0{'));
	}

	/** The HTTP answer to a refused upgrade: its status and body. */
	refusal(): Promise<{ status: number; body: string }> {
		return new Promise((resolve, reject) => {
			this.ws.once('open', () => reject(new Error('the upgrade was accepted')));
			this.ws.once('unexpected-response', (_req, res) => {
				let body = '';
				res.on('data', (chunk: Buffer) => (body += chunk.toString()));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
				res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
			});
		});
	}

	send(frame: string | Buffer): void {
		if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
	}

	/** Connects to the main namespace (`40`, with `auth` when given). */
	connect(auth?: Record<string, unknown>): void {
		this.send(auth ? `40${JSON.stringify(auth)}` : '40');
	}

	/**
	 * Resolves with the first frame (from the start) that matches, or rejects when none has
	 * arrived within `timeoutMs` or the connection closed first.
	 */
	async frame(
		match: (frame: string | Buffer) => boolean,
		timeoutMs = 5000
	): Promise<string | Buffer> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = this.frames.find(match);
			if (found !== undefined) return found;
			if (this.ws.readyState === WebSocket.CLOSED) {
				throw new Error(`closed without a matching frame; got ${JSON.stringify(this.frames)}`);
			}
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, left);
				this.#waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}

	/** The Socket.IO CONNECT answer: `{ sid }` when accepted, `{ message, data }` when refused. */
	async connectAnswer(timeoutMs = 5000): Promise<{ ok: boolean; body: Record<string, unknown> }> {
		const frame = (await this.frame(
			(f) => typeof f === 'string' && (f.startsWith('40') || f.startsWith('44')),
			timeoutMs
		)) as string;
		return {
			ok: frame.startsWith('40'),
			body: JSON.parse(frame.slice(2)) as Record<string, unknown>
		};
	}

	close(): void {
		this.ws.terminate();
	}
}
