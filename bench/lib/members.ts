/**
 * A member load-generator process for bench/channels.ts: opens the member sockets it is given
 * (session cookie for the app, handshake `auth.room` for the bare server), then records, for every
 * `channel:change` message whose body starts with the current phase's tag, the latency from the
 * send time written in the body to now (bench/lib/latency.ts `now`, a clock every process shares).
 * Answers the orchestrator over IPC (bench/lib/ipc.ts MemberRequest).
 *
 * Body format (bench/channels.ts `messageBody`): `<tag> <seq> <send time ms> <filler>`.
 */
import type { Socket } from 'socket.io-client';
import type { ChannelChanges } from '#lib/shared/channels.ts';
import { openSockets } from './connect.ts';
import type { MemberReply, MemberRequest } from './ipc.ts';
import { Histogram, now } from './latency.ts';

if (!process.send) throw new Error('this script must be spawned with an IPC channel');

function reply(message: MemberReply): void {
	process.send?.(message);
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

async function open(request: Extract<MemberRequest, { type: 'open' }>): Promise<void> {
	const { members } = request;
	const opened = await openSockets(request.url, members.length, request.concurrency, (i) => {
		const { auth = {}, cookie } = members[i];
		// A cookie is only accepted with this site's Origin, as a browser sends it.
		const extraHeaders: Record<string, string> = cookie
			? { cookie, origin: new URL(request.url).origin }
			: {};
		return { auth, extraHeaders };
	});
	sockets = opened.sockets;
	perSocket = new Uint32Array(sockets.length);
	sockets.forEach(listen);
	reply({
		type: 'open',
		id: request.id,
		connected: sockets.filter((socket) => socket.connected).length,
		failed: opened.failed,
		firstError: opened.firstError,
		ms: opened.ms
	});
}

process.on('message', (request: MemberRequest) => {
	switch (request.type) {
		case 'open':
			void open(request);
			break;
		case 'phase':
			// A space ends the tag, so phase "f" never counts messages of a phase "f2".
			tag = `${request.tag} `;
			histogram = new Histogram();
			perSocket = new Uint32Array(sockets.length);
			received = negative = firstAt = lastAt = disconnects = 0;
			cpuAtPhase = process.cpuUsage();
			reply({ type: 'phase', id: request.id });
			break;
		case 'count':
			reply({ type: 'count', id: request.id, received });
			break;
		case 'stats': {
			const cpu = process.cpuUsage(cpuAtPhase);
			reply({
				type: 'stats',
				id: request.id,
				received,
				firstAt,
				lastAt,
				negative,
				histogram: histogram.toSparse(),
				perSocketMin: perSocket.length ? Math.min(...perSocket) : 0,
				perSocketMax: perSocket.length ? Math.max(...perSocket) : 0,
				cpuMs: (cpu.user + cpu.system) / 1000,
				disconnects
			});
			break;
		}
		case 'clock':
			reply({ type: 'clock', id: request.id, now: now() });
			break;
		case 'close':
			for (const socket of sockets) socket.disconnect();
			// Let the close frames go out before the process ends.
			setTimeout(() => process.exit(0), 300);
			break;
	}
});
process.on('disconnect', () => process.exit(0));
