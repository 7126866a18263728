/**
 * A member load-generator process: opens the member sockets it is given (session cookie for the
 * app, handshake `auth` for the bare server or an API token), then records, for every
 * `channel:change` message whose body starts with the current phase's tag, the latency from the
 * send time written in the body to now (bench/lib/latency.ts `now`, a clock every process shares).
 * Answers `MembersApi` over the bench's IPC protocol (bench/lib/ipc.ts); bench/lib/fleet.ts drives it.
 *
 * Body format (bench/channels.ts `messageBody`): `<tag> <seq> <send time ms> <filler>`.
 */
import type { Socket } from 'socket.io-client';
import type { ChannelChanges } from '#lib/shared/channels.ts';
import { openSockets } from './connect.ts';
import { serve } from './ipc.ts';
import { Histogram, now } from './latency.ts';

/** How one member socket signs in: a session cookie (the app) or handshake `auth`. */
export interface MemberSpec {
	cookie?: string;
	auth?: Record<string, string>;
}

let sockets: Socket[] = [];
let tag = '\0';
let histogram = new Histogram();
let perSocket = new Uint32Array(0);
let received = 0;
let negative = 0;
let firstAt = 0;
let lastAt = 0;
/** Member sockets that lost their connection during the phase (e.g. a ping timeout). */
let disconnects = 0;
let cpuAtPhase = process.cpuUsage();

function listen(socket: Socket, index: number): void {
	socket.on('disconnect', () => (disconnects += 1));
	socket.on('channel:change', (changes: ChannelChanges) => {
		const at = now();
		for (const message of changes.messages) {
			if (!message.body.startsWith(tag)) continue;
			const sentAt = Number(message.body.split(' ', 3)[2]);
			const latency = at - sentAt;
			if (latency < 0) negative += 1;
			histogram.record(latency);
			perSocket[index] += 1;
			received += 1;
			if (!firstAt) firstAt = at;
			lastAt = at;
		}
	});
}

const api = {
	/** Connects `members` to `url`, at most `concurrency` handshakes in flight. */
	async open(url: string, members: MemberSpec[], concurrency: number) {
		const opened = await openSockets(url, members.length, concurrency, (i) => {
			const { auth = {}, cookie } = members[i];
			// A cookie is only accepted with this site's Origin, as a browser sends it.
			const extraHeaders: Record<string, string> = cookie
				? { cookie, origin: new URL(url).origin }
				: {};
			return { auth, extraHeaders };
		});
		sockets = opened.sockets;
		perSocket = new Uint32Array(sockets.length);
		sockets.forEach(listen);
		return {
			connected: sockets.filter((socket) => socket.connected).length,
			failed: opened.failed,
			firstError: opened.firstError,
			ms: opened.ms
		};
	},
	/** Starts counting messages whose body starts with `phaseTag`; resets the counters. */
	phase(phaseTag: string): void {
		// A space ends the tag, so phase "f" never counts messages of a phase "f2".
		tag = `${phaseTag} `;
		histogram = new Histogram();
		perSocket = new Uint32Array(sockets.length);
		received = negative = firstAt = lastAt = disconnects = 0;
		cpuAtPhase = process.cpuUsage();
	},
	count: () => received,
	stats() {
		const cpu = process.cpuUsage(cpuAtPhase);
		return {
			received,
			/** Clock readings of the phase's first and last delivery. */
			firstAt,
			lastAt,
			/** Deliveries whose measured latency was below zero (clock disagreement); counted as 0. */
			negative,
			/** Sparse latency histogram: [bucket, count] pairs. */
			histogram: histogram.toSparse(),
			/** Deliveries per member socket, lowest and highest (all equal when nothing was lost). */
			perSocketMin: perSocket.length ? Math.min(...perSocket) : 0,
			perSocketMax: perSocket.length ? Math.max(...perSocket) : 0,
			/** This worker's CPU time since the phase started. */
			cpuMs: (cpu.user + cpu.system) / 1000,
			/** Member sockets of this worker that disconnected since the phase started. */
			disconnects
		};
	},
	clock: () => now()
};

export type MembersApi = typeof api;

serve(api, null, async () => {
	for (const socket of sockets) socket.disconnect();
	// Let the close frames go out before the process ends.
	await new Promise((resolve) => setTimeout(resolve, 300));
});
