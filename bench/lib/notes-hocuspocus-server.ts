/**
 * The baseline: a Hocuspocus server (@hocuspocus/server) with default settings, on 127.0.0.1 and a
 * free port, started by bench/notes.ts with the in-server probe like Parley.
 *
 * With BENCH_LOG_FILE set (the load measurement only), documents named `load-*` start from that
 * file's Yjs updates (length-prefixed), applied in one transaction in onLoadDocument: the same
 * 10,000-update log Parley loads from its database, here from memory.
 */
import { readFileSync } from 'node:fs';
import { Server } from '@hocuspocus/server';
import * as Y from 'yjs';

function readLog(file: string): Uint8Array[] {
	const bytes = readFileSync(file);
	const updates: Uint8Array[] = [];
	for (let offset = 0; offset < bytes.length;) {
		const length = bytes.readUInt32LE(offset);
		updates.push(new Uint8Array(bytes.subarray(offset + 4, offset + 4 + length)));
		offset += 4 + length;
	}
	return updates;
}

const log = process.env.BENCH_LOG_FILE ? readLog(process.env.BENCH_LOG_FILE) : null;

const server = new Server({
	port: 0,
	address: '127.0.0.1',
	quiet: true,
	async onLoadDocument({ documentName, document }) {
		if (!log || !documentName.startsWith('load-')) return;
		const started = performance.now();
		const cpu = process.threadCpuUsage();
		document.transact(() => {
			for (const update of log) Y.applyUpdate(document, update);
		});
		const ms = Math.round((performance.now() - started) * 10) / 10;
		const used = process.threadCpuUsage(cpu);
		const cpuMs = Math.round((used.user + used.system) / 100) / 10;
		console.log(
			JSON.stringify({ msg: 'note loaded', documentName, ms, cpuMs, updates: log.length })
		);
	}
});
await server.listen();
