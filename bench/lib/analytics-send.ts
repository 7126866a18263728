/**
 * bench:analytics, the page beside the chat: Parley's production server on the bench database, a
 * socket client posting channel messages at a fixed rate (open loop: each send leaves on schedule
 * whether or not the previous one was acknowledged) and, in each phase after the first, an admin
 * loading the usage page (`GET /admin/usage`, server-rendered with every widget) back to back.
 * Send→ack latency per phase, and what loading the page adds to its p99. Goal: ≤ 20 ms.
 *
 * The sender posts into a channel of its own, so the messages (a few hundred per run) become facts
 * of the bench database like any other; against millions they move no figure a run compares.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { hashPassword } from '../../src/lib/server/auth/password.ts';
import type { DatabaseTarget } from '../../src/lib/server/db/target.ts';
import { ok } from '../../tests/helpers/channels.ts';
import { HttpClient, connected, type TestSocket } from '../../tests/helpers/client.ts';
import { sleep, table } from './harness.ts';
import { requireBuild, startParley, type Server } from './processes.ts';
import { Histogram, now } from './latency.ts';

/** The generator's first person is the workspace's admin (bench/lib/analytics-generate.ts). */
const ADMIN_EMAIL = 'user0@bench.test';
const PASSWORD = 'bench password 1';
export const ADDED_P99_GOAL_MS = 20;
/** The send rate is the bench's choice, not the limiters'; no scheduled syncs meanwhile. */
const APP_ENV = {
	LOG_LEVEL: 'warn',
	CHANNEL_MESSAGES_PER_SECOND: '10000',
	CHANNEL_MESSAGE_BURST: '100000',
	SOCKET_EVENTS_PER_SECOND: '10000',
	SOCKET_EVENT_BURST: '100000',
	SYNC_SCHEDULER_TICK_MS: '0'
};

export interface SendOptions {
	target: DatabaseTarget;
	/** The server's data folder (SQLite: the one holding parley.db). */
	dataDir: string;
	ranges: string[];
	tz: string;
	/** Messages per second. */
	rate: number;
	seconds: number;
}

interface Phase {
	name: string;
	acks: Histogram;
	failed: number;
	pages: number[];
	/** The server's main thread: share of the phase it was busy, and its process's CPU time. */
	loopBusy: number;
	cpuMs: number;
}

/** Gives the admin a password the bench knows (the generator wrote a placeholder hash). */
async function setAdminPassword(target: DatabaseTarget): Promise<void> {
	const hash = await hashPassword(PASSWORD);
	if (target.kind === 'sqlite') {
		const db = new Database(target.file);
		try {
			db.prepare('UPDATE User SET passwordHash = ? WHERE email = ?').run(hash, ADMIN_EMAIL);
		} finally {
			db.close();
		}
		return;
	}
	const client = new pg.Client({ connectionString: target.url });
	await client.connect();
	try {
		await client.query('UPDATE "User" SET "passwordHash" = $1 WHERE email = $2', [
			hash,
			ADMIN_EMAIL
		]);
	} finally {
		await client.end();
	}
}

async function loadPage(http: HttpClient, range: string, tz: string): Promise<number> {
	const started = now();
	const params = new URLSearchParams({ range, tz });
	const response = await http.request(`/admin/usage?${params}`, {
		headers: { accept: 'text/html' }
	});
	const html = await response.text();
	if (response.status !== 200) {
		throw new Error(`GET /admin/usage answered ${response.status}: ${html.slice(0, 300)}`);
	}
	return now() - started;
}

/** Posts at `rate` per second for `seconds`, recording each send→ack time. */
async function sendFor(
	socket: TestSocket,
	channelId: string,
	options: SendOptions,
	phase: Phase
): Promise<void> {
	const interval = 1000 / options.rate;
	const count = Math.round(options.rate * options.seconds);
	const start = now();
	const inFlight: Promise<void>[] = [];
	for (let i = 0; i < count; i++) {
		const due = start + i * interval;
		const wait = due - now();
		if (wait > 0) await sleep(wait);
		const sent = now();
		inFlight.push(
			ok(socket, 'message:send', {
				channelId,
				clientId: `bench-send-${sent.toFixed(3)}-${i}`,
				body: `send ${i} during ${phase.name}`
			}).then(
				() => phase.acks.record(now() - sent),
				() => void (phase.failed += 1)
			)
		);
	}
	await Promise.all(inFlight);
}

async function runPhase(
	server: Server,
	socket: TestSocket,
	channelId: string,
	http: HttpClient,
	options: SendOptions,
	range: string | null
): Promise<Phase> {
	const phase: Phase = {
		name: range ? `page ${range} loading` : 'no page',
		acks: new Histogram(),
		failed: 0,
		pages: [],
		loopBusy: 0,
		cpuMs: 0
	};
	const before = await server.api.cpu();
	let sending = true;
	const loader = (async () => {
		while (range && sending) phase.pages.push(await loadPage(http, range, options.tz));
	})();
	await sendFor(socket, channelId, options, phase);
	sending = false;
	await loader;
	const after = await server.api.cpu();
	const active = after.active - before.active;
	phase.loopBusy = active / Math.max(1, active + after.idle - before.idle);
	phase.cpuMs = (after.user + after.system - before.user - before.system) / 1000;
	return phase;
}

const ms = (n: number) => (Number.isNaN(n) ? '—' : `${n.toFixed(1)} ms`);

function pageP(values: number[], p: number): number {
	if (!values.length) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs the phases and prints their table; returns whether every added p99 met the goal. */
export async function measureSendsDuringPage(options: SendOptions): Promise<boolean> {
	requireBuild();
	await setAdminPassword(options.target);
	const env: Record<string, string> =
		options.target.kind === 'postgres' ? { DATABASE_URL: options.target.url } : {};
	const server = await startParley({ dataDir: options.dataDir, env }, { env: APP_ENV });
	const http = new HttpClient(server.url);
	let socket: TestSocket | undefined;
	try {
		const login = await http.logIn(ADMIN_EMAIL, PASSWORD);
		if (login.status !== 303 || !http.sessionToken) {
			throw new Error(`logging in as ${ADMIN_EMAIL} answered ${login.status}`);
		}
		socket = http.socket();
		await connected(socket);
		const channel = await ok(socket, 'channel:create', {
			kind: 'public',
			name: `bench-send-${Date.now()}`
		});
		// Warm both paths once: the page (each range) and a send.
		for (const range of options.ranges) await loadPage(http, range, options.tz);
		await runPhase(server, socket, channel.id, http, { ...options, seconds: 1 }, null);

		const phases: Phase[] = [await runPhase(server, socket, channel.id, http, options, null)];
		for (const range of options.ranges) {
			phases.push(await runPhase(server, socket, channel.id, http, options, range));
		}
		const idleP99 = phases[0].acks.percentile(99);
		const rows = phases.map((p) => {
			const added = p.acks.percentile(99) - idleP99;
			const judged = p === phases[0] ? '—' : added <= ADDED_P99_GOAL_MS ? 'ok' : 'MISS';
			return [
				p.name,
				String(p.acks.count),
				String(p.failed),
				ms(p.acks.percentile(50)),
				ms(p.acks.percentile(99)),
				ms(p.acks.max()),
				p === phases[0] ? '—' : `${added >= 0 ? '+' : ''}${added.toFixed(1)} ms`,
				String(p.pages.length),
				ms(pageP(p.pages, 50)),
				ms(pageP(p.pages, 95)),
				`${(p.loopBusy * 100).toFixed(0)} %`,
				`${(p.cpuMs / 1000).toFixed(1)} s`,
				judged
			];
		});
		const header = [
			'phase',
			'sends',
			'failed',
			'ack p50',
			'ack p99',
			'ack max',
			'added p99',
			'pages',
			'page p50',
			'page p95',
			'server loop busy',
			'server cpu',
			`goal (≤ ${ADDED_P99_GOAL_MS} ms)`
		];
		console.log(
			`\nsend→ack at ${options.rate}/s for ${options.seconds} s per phase, the page over HTTP (server-rendered, ${options.tz}):`
		);
		console.log(table([header, ...rows], 1));
		if (server.problems.length) {
			console.log(`server warnings: ${server.problems.length}, first: ${server.problems[0]}`);
		}
		return phases.every((p) => p.failed === 0) && rows.every((r) => r.at(-1) !== 'MISS');
	} finally {
		socket?.close();
		await server.stop();
	}
}
