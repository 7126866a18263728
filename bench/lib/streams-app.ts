/**
 * Runs the production server (server/index.ts with build/handler.js) in this process for
 * bench/streams.ts and answers its requests over IPC: process.cpuUsage(), how many write
 * statements reached SQLite and how long SQLite calls took, the event-loop delay, GC pauses, and (with
 * --profile) a CPU profile of the measurement window. The app gets no debug endpoint.
 *
 * Counting writes: Prisma's better-sqlite3 adapter prepares every statement it runs
 * (`client.prepare(sql)` per query), so wrapping `Database.prototype.prepare` before the app loads
 * counts executions exactly, without changing the app.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { App } from '#lib/server/app.ts';
import type { ProfileReply, ProfileRequest, StatsReply, StatsRequest } from './streams-ipc.ts';

if (!process.send) throw new Error('this script must be spawned with an IPC channel');

const counts = { messageUpdates: 0, writes: 0 };
const MESSAGE_UPDATE = /^\s*UPDATE\s+[`"]?(?:main[`"]?\.[`"]?)?ChatMessage[`"]?\s/i;
const WRITE = /^\s*(?:INSERT|UPDATE|DELETE)\s/i;
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (this: Database.Database, source: string) {
	if (WRITE.test(source)) {
		counts.writes += 1;
		if (MESSAGE_UPDATE.test(source)) counts.messageUpdates += 1;
	}
	return prepare.call(this, source);
} as typeof prepare;

// Time inside SQLite: the adapter runs every statement synchronously with run() or raw().all(), so
// a slow one (a WAL checkpoint's fsync, say) blocks the event loop for its whole duration.
const sqlite = { totalMs: 0, maxMs: 0, slow: 0 };
const probe = new Database(':memory:');
const statementProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<
	string,
	(...args: unknown[]) => unknown
>;
probe.close();
for (const method of ['run', 'all', 'get'] as const) {
	const original = statementProto[method];
	statementProto[method] = function (this: unknown, ...args: unknown[]) {
		const started = performance.now();
		try {
			return original.apply(this, args);
		} finally {
			const ms = performance.now() - started;
			sqlite.totalMs += ms;
			if (ms > sqlite.maxMs) sqlite.maxMs = ms;
			if (ms > 10) sqlite.slow += 1;
		}
	};
}
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const gc = { totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
	for (const entry of list.getEntries()) {
		gc.totalMs += entry.duration;
		if (entry.duration > gc.maxMs) gc.maxMs = entry.duration;
	}
}).observe({ entryTypes: ['gc'] });

// The app keeps its one App on globalThis (src/lib/server/app.ts).
const holder = globalThis as { [key: symbol]: Promise<App> | undefined };
const found: { app?: App } = {};

// A CPU profile of the measurement window only, when the orchestrator asks (--profile).
const inspector = new Session();
inspector.connect();
process.on('message', (message: ProfileRequest) => {
	void (async () => {
		if (message.type === 'profile-start') {
			await inspector.post('Profiler.enable');
			await inspector.post('Profiler.start');
		} else if (message.type === 'profile-stop') {
			const { profile } = await inspector.post('Profiler.stop');
			writeFileSync(message.file, JSON.stringify(profile));
			process.send?.({
				type: 'profiled',
				id: message.id,
				file: message.file
			} satisfies ProfileReply);
		}
	})();
});

process.on('message', (message: StatsRequest) => {
	if (message.type !== 'stats') return;
	const reply: StatsReply = {
		type: 'stats',
		id: message.id,
		stats: {
			cpu: process.cpuUsage(),
			at: performance.timeOrigin + performance.now(),
			...counts,
			activeStreams: found.app?.completions.activeCount ?? -1,
			loopDelay: {
				p50: loop.percentile(50) / 1e6,
				p99: loop.percentile(99) / 1e6,
				max: loop.max / 1e6
			},
			sqlite: { ...sqlite },
			gc: { ...gc }
		}
	};
	// Maxima and the delay histogram start afresh for the next interval.
	loop.reset();
	sqlite.maxMs = 0;
	gc.maxMs = 0;
	process.send?.(reply);
});
process.on('disconnect', () => process.exit(0));

await import('../../server/index.ts');
found.app = await holder[Symbol.for('parley.app')];
