import type { IncomingMessage } from 'node:http';

/** How much of a refused body the server still reads, at most, before hanging up. */
const DRAIN_BYTES = 4 * 1024 * 1024;
const DRAIN_MS = 2000;

/**
 * After the answer to a request whose body was not read to its end (a refused upload): reads and
 * discards a little more of it, so an honest client still sending gets to read the answer, then
 * hangs up. Node alone would read the whole rest, however large, to reuse the connection; hanging
 * up at once would reset the connection and lose the answer with it.
 */
export function drainAtMost(req: IncomingMessage): void {
	if (req.complete || req.destroyed) return;
	let left = DRAIN_BYTES;
	const hangUp = () => req.socket.destroy();
	const timer = setTimeout(hangUp, DRAIN_MS);
	timer.unref();
	req.on('data', (chunk: Buffer) => {
		left -= chunk.length;
		if (left < 0) hangUp();
	});
	req.once('close', () => clearTimeout(timer));
	req.resume();
}
