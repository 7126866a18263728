/**
 * Opens many Socket.IO client connections with a bounded number of handshakes in flight. Used by
 * the load-generator processes (bench/lib/members.ts, bench/lib/streams-clients.ts).
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

export interface Opened {
	/** The sockets that connected, in no particular order. */
	sockets: Socket[];
	failed: number;
	/** The first refusal's message and `data`, if any. */
	firstError: string | null;
	ms: number;
}

/** Options every bench connection uses: websocket only, no reconnection, one manager each. */
export function socketOptions(
	extra: Partial<ManagerOptions & SocketOptions> = {}
): Partial<ManagerOptions & SocketOptions> {
	return {
		transports: ['websocket'],
		reconnection: false,
		forceNew: true,
		timeout: 30_000,
		...extra
	};
}

/**
 * Opens `count` connections to `url`, at most `concurrency` handshakes at once; connection `i`
 * gets `optionsFor(i)`. Resolves when every handshake has succeeded or been refused.
 */
export async function openSockets(
	url: string,
	count: number,
	concurrency: number,
	optionsFor: (index: number) => Partial<ManagerOptions & SocketOptions>
): Promise<Opened> {
	const sockets: Socket[] = [];
	let failed = 0;
	let firstError: string | null = null;

	const connectOne = (index: number) =>
		new Promise<void>((resolve) => {
			const socket = io(url, socketOptions(optionsFor(index)));
			socket.once('connect', () => {
				sockets.push(socket);
				resolve();
			});
			socket.once('connect_error', (error: Error & { data?: unknown }) => {
				failed += 1;
				firstError ??= `${error.message}${error.data ? ` ${JSON.stringify(error.data)}` : ''}`;
				socket.close();
				resolve();
			});
		});

	let started = 0;
	const lane = async () => {
		while (started < count) await connectOne(started++);
	};
	const t0 = performance.now();
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
	return { sockets, failed, firstError, ms: Math.round(performance.now() - t0) };
}
