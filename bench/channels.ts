/**
 * Message fan-out in one channel: send→receive latency and delivered messages/s with N members
 * (10, 100, 1000 by default) on Parley's production build, against a bare Socket.IO 4.8 broadcast
 * measured in the same run; then the catch-up time of a member who was offline while 10 000
 * messages were posted. Run `npm run build` first, then `npm run bench:channels`.
 * See bench/README.md for how to read the output.
 *
 * Options (argv or env): --sizes=10,100,1000 (BENCH_SIZES), --rate=20 (BENCH_RATE, msg/s),
 * --seconds=10 (BENCH_SECONDS), --window=8 (BENCH_WINDOW, sends in flight at max rate),
 * --max-seconds=4 (BENCH_MAX_SECONDS), --catchup=10000 (BENCH_CATCHUP; 0 skips the catch-up),
 * --profile=<dir> (BENCH_PROFILE: CPU-profile each server, app and bare, in each measured phase and summarise
 * where time goes), --statements (SQLite: the app's time inside SQLite per statement, whole run),
 * --db=sqlite|postgres.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { goOffline, postMessages, rawSocketSync, restSync } from './lib/catch-up.ts';
import { socketOptions } from './lib/connect.ts';
import { parleyData, parseBenchDatabase } from './lib/database.ts';
import { MemberFleet, type Deliveries } from './lib/fleet.ts';
import {
	boxCpu,
	fdLimit,
	guard,
	loadAverage,
	machineFacts,
	runMain,
	sleep,
	table
} from './lib/harness.ts';
import type { CpuSample } from './lib/ipc.ts';
import { Histogram, now } from './lib/latency.ts';
import type { MemberSpec } from './lib/members.ts';
import { requireBuild, type Server, startParley, startServer } from './lib/processes.ts';
import type { SqliteStatementTime } from './lib/probe.ts';
import { summarizeProfile } from './lib/profile-summary.ts';
import {
	createChannel,
	createToken,
	signUpUsers,
	socketFor,
	type BenchUser
} from './lib/workspace.ts';

const { values: flags } = parseArgs({
	options: {
		sizes: { type: 'string' },
		rate: { type: 'string' },
		seconds: { type: 'string' },
		window: { type: 'string' },
		'max-seconds': { type: 'string' },
		catchup: { type: 'string' },
		profile: { type: 'string' },
		statements: { type: 'boolean' },
		db: { type: 'string' }
	}
});
const DB = parseBenchDatabase(flags.db);
const option = (name: keyof typeof flags, env: string, fallback: number) =>
	Number(flags[name] ?? process.env[env] ?? fallback);
const SIZES = (flags.sizes ?? process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
/** Fixed-rate phase: messages per second, and for how long. */
const RATE = option('rate', 'BENCH_RATE', 20);
const SECONDS = option('seconds', 'BENCH_SECONDS', 10);
/** Max-rate phase: sends in flight (each waits for its ack), and for how long. */
const WINDOW = option('window', 'BENCH_WINDOW', 8);
const MAX_SECONDS = option('max-seconds', 'BENCH_MAX_SECONDS', 4);
const CATCH_UP = option('catchup', 'BENCH_CATCHUP', 10_000);
const PROFILE_DIR = flags.profile ?? process.env.BENCH_PROFILE;
/** SQLite: time per statement in the app over the whole run (the probe's `sqlite` counters). */
const STATEMENTS = flags.statements === true && DB === 'sqlite';

/** Member worker processes; the members are split evenly between them. */
const WORKERS = 2;
/** Member handshakes in flight at once, over all workers. */
const CONCURRENCY = 200;
/** Sign-ups in flight (each costs one Argon2id hash on the server). */
const SIGNUP_CONCURRENCY = 6;
/** Before each measured run: this long at the fixed rate, not counted. */
const WARMUP_SECONDS = 2;
/** Catch-up: bots posting over REST, and requests in flight per bot. */
const REST_BOTS = 4;
const REST_PER_BOT = 4;
const GOAL_P99_MS = 100;
const GOAL_RATIO = 0.5;
const GOAL_CATCH_UP_MS = 1000;
const TOTAL_TIMEOUT_MS = 8 * 60_000;
/** Limits raised so the bench measures the server, not its rate limiters. */
const APP_ENV = {
	LOG_LEVEL: 'warn',
	SOCKET_CONNECTIONS_PER_IP: '1000000',
	CHANNEL_MESSAGES_PER_SECOND: '10000',
	CHANNEL_MESSAGE_BURST: '100000',
	SOCKET_EVENTS_PER_SECOND: '10000',
	SOCKET_EVENT_BURST: '100000',
	LOGIN_MAX_ATTEMPTS_PER_IP: '10000',
	SIGNUP_MAX_PER_IP_PER_HOUR: '100000'
};
const RUN_ID = Date.now().toString(36);
const FILLER =
	'the quick brown fox jumps over the lazy dog while the bench measures fan-out latency';

guard('bench:channels', TOTAL_TIMEOUT_MS);

type Kind = 'app' | 'bare';
/** The server under test and which one it is. */
type ServerHandle = Server & { kind: Kind };

// ---- the sender -----------------------------------------------------------------------------------

interface SendResult {
	ok: boolean;
	ackMs: number;
	error?: string;
}
type Send = (tag: string, seq: number) => Promise<SendResult>;

/** The body carries the send time, so members in other processes can compute the latency. */
function messageBody(tag: string, seq: number, sentAt: number): string {
	return `${tag} ${seq} ${sentAt.toFixed(3)} ${FILLER}`;
}

/** What the app emits for one message (`channel:change`); the bare server broadcasts this shape. */
function bareChanges(channelId: string, seq: number, body: string) {
	const version = seq + 1;
	return {
		channelId,
		version,
		members: [],
		messages: [
			{
				id: `m${RUN_ID}${seq}`.padEnd(25, '0'),
				channelId,
				seq: version,
				version,
				clientId: `${RUN_ID}-${seq}`,
				author: {
					id: 'bench0owner00000000000000',
					displayName: 'Bench Owner',
					avatarColor: '#6366f1'
				},
				body,
				parentId: null,
				replyCount: 0,
				lastReplyAt: null,
				createdAt: new Date().toISOString(),
				editedAt: null,
				deletedAt: null,
				reactions: []
			}
		]
	};
}

function sender(kind: Kind, socket: Socket, channelId: string): Send {
	return async (tag, seq) => {
		const sentAt = now();
		const body = messageBody(tag, seq, sentAt);
		const emitter = socket.timeout(30_000);
		try {
			const result = (
				kind === 'app'
					? await emitter.emitWithAck('message:send', {
							channelId,
							clientId: `${tag}-${seq}-${RUN_ID}`,
							body
						})
					: await emitter.emitWithAck('send', bareChanges(channelId, seq, body))
			) as { ok: boolean; error?: { message: string } };
			return { ok: result.ok, ackMs: now() - sentAt, error: result.error?.message };
		} catch (error) {
			return { ok: false, ackMs: now() - sentAt, error: String(error) };
		}
	};
}

/** Open loop: sends at fixed times whatever the acks do. */
async function fixedRate(send: Send, tag: string, seconds: number): Promise<SendResult[]> {
	const total = Math.round(RATE * seconds);
	const start = now();
	const pending: Promise<SendResult>[] = [];
	for (let i = 0; i < total; i++) {
		const wait = start + (i * 1000) / RATE - now();
		if (wait > 0) await sleep(wait);
		pending.push(send(tag, i));
	}
	return Promise.all(pending);
}

/** Closed loop: WINDOW sends in flight, each followed by the next as soon as it is acknowledged. */
async function maxRate(send: Send, tag: string): Promise<SendResult[]> {
	const end = now() + MAX_SECONDS * 1000;
	const results: SendResult[] = [];
	let seq = 0;
	const lane = async () => {
		while (now() < end) results.push(await send(tag, seq++));
	};
	await Promise.all(Array.from({ length: WINDOW }, lane));
	return results;
}

// ---- one measured phase ---------------------------------------------------------------------------

interface Phase {
	sent: number;
	failed: number;
	firstError?: string;
	expected: number;
	deliveries: Deliveries;
	/** First send until the last delivery. */
	wallMs: number;
	deliveredPerSecond: number;
	sentPerSecond: number;
	ack: Histogram;
	/** Server process CPU (all threads) and main-thread busy share over the phase. */
	cpuMs: number;
	elu: number;
	/** The whole machine over the phase: busy share of all cores, and the share of all cores
	 * used by processes outside this bench (other work on the box), from /proc/stat. */
	box?: { busy: number; outside: number; steal: number };
}

const cpuMs = (a: CpuSample, b: CpuSample) => (b.user + b.system - a.user - a.system) / 1000;
const elu = (a: CpuSample, b: CpuSample) =>
	(b.active - a.active) / (b.active - a.active + b.idle - a.idle);

async function phase(
	server: ServerHandle,
	fleet: MemberFleet,
	n: number,
	tag: string,
	load: () => Promise<SendResult[]>
): Promise<Phase> {
	await fleet.phase(tag);
	const cpu0 = await server.api.cpu();
	const box0 = boxCpu();
	const self0 = process.cpuUsage();
	const start = now();
	const results = await load();
	const sendEnd = now();
	const sent = results.filter((r) => r.ok).length;
	await fleet.drain(sent * n);
	const cpu1 = await server.api.cpu();
	const self = process.cpuUsage(self0);
	const box1 = boxCpu();
	const deliveries = await fleet.stats();
	const ours = cpuMs(cpu0, cpu1) + deliveries.cpuMs + (self.user + self.system) / 1000;
	const box =
		box0 && box1
			? {
					busy: (box1.busy - box0.busy) / (box1.total - box0.total),
					outside: Math.max(0, box1.busy - box0.busy - ours) / (box1.total - box0.total),
					steal: (box1.steal - box0.steal) / (box1.total - box0.total)
				}
			: undefined;
	const ack = new Histogram();
	for (const r of results) if (r.ok) ack.record(r.ackMs);
	const wallMs = deliveries.lastAt - start;
	return {
		sent,
		failed: results.length - sent,
		firstError: results.find((r) => !r.ok)?.error,
		expected: sent * n,
		deliveries,
		wallMs,
		deliveredPerSecond: (deliveries.received / wallMs) * 1000,
		sentPerSecond: (sent / (sendEnd - start)) * 1000,
		ack,
		cpuMs: cpuMs(cpu0, cpu1),
		elu: elu(cpu0, cpu1),
		box
	};
}

// ---- one run: a server, N members -----------------------------------------------------------------

interface Workspace {
	owner: BenchUser;
	users: BenchUser[];
	/** N → channel id (the app's channel with exactly N members besides the owner). */
	channels: Map<number, string>;
	catchUp: { channelId: string; offline: BenchUser; tokens: string[] };
}

interface Run {
	kind: Kind;
	n: number;
	connectMs: number;
	skew: { offset: number; uncertainty: number };
	fixed: Phase;
	max: Phase;
}

async function bareSocket(url: string, room: string): Promise<Socket> {
	const socket = io(url, socketOptions({ auth: { room } }));
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('connect_error', reject);
	});
	return socket;
}

async function profiled<T>(server: ServerHandle, name: string, work: () => Promise<T>): Promise<T> {
	if (!PROFILE_DIR) return work();
	await server.api.profileStart();
	const result = await work();
	const file = await server.api.profileStop(path.join(PROFILE_DIR, `${name}.cpuprofile`));
	console.log(`\n${summarizeProfile(file, 10)}\n`);
	return result;
}

async function measure(kind: Kind, n: number, server: ServerHandle, ws: Workspace): Promise<Run> {
	const channelId = kind === 'app' ? ws.channels.get(n) : `bare${n}`.padEnd(25, '0');
	if (!channelId) throw new Error(`no channel for N=${n}`);
	const room = `channel:${channelId}`;
	const members: MemberSpec[] =
		kind === 'app'
			? ws.users.slice(0, n).map((user) => ({ cookie: user.cookie }))
			: Array.from({ length: n }, () => ({ auth: { room } }));
	const { fleet, ms } = await MemberFleet.open(server.url, members, WORKERS, CONCURRENCY);
	let socket: Socket | undefined;
	try {
		// The sender is in the room too (the app's owner is a member), so both servers fan out to N + 1.
		socket = kind === 'app' ? await socketFor(ws.owner) : await bareSocket(server.url, room);
		const send = sender(kind, socket, channelId);
		const skew = await fleet.clockSkew();
		const tag = `${kind}${n}`;
		await phase(server, fleet, n, `${tag}w`, () => fixedRate(send, `${tag}w`, WARMUP_SECONDS));
		const fixed = await profiled(server, `${tag}-fixed`, () =>
			phase(server, fleet, n, `${tag}f`, () => fixedRate(send, `${tag}f`, SECONDS))
		);
		const max = await profiled(server, `${tag}-max`, () =>
			phase(server, fleet, n, `${tag}m`, () => maxRate(send, `${tag}m`))
		);
		return { kind, n, connectMs: ms, skew, fixed, max };
	} finally {
		socket?.disconnect();
		await fleet.close();
	}
}

// ---- setup and catch-up (app only) ----------------------------------------------------------------

async function setUp(server: ServerHandle): Promise<Workspace> {
	const maxN = Math.max(...SIZES);
	const t0 = now();
	// maxN members, plus one who goes offline in the catch-up scenario.
	const { owner, users } = await signUpUsers(server.url, maxN + 1, SIGNUP_CONCURRENCY);
	const signUpMs = now() - t0;
	const t1 = now();
	const ownerSocket = await socketFor(owner);
	const channels = new Map<number, string>();
	for (const n of SIZES) {
		channels.set(
			n,
			await createChannel(
				ownerSocket,
				`bench-${n}`,
				users.slice(0, n).map((u) => u.id)
			)
		);
	}
	const offline = users[maxN];
	const bots = [owner, ...users.slice(0, REST_BOTS - 1)];
	const catchUpId = await createChannel(
		ownerSocket,
		'bench-catch-up',
		[offline, ...bots].map((u) => u.id)
	);
	ownerSocket.disconnect();
	const tokens = await Promise.all(bots.map((user, i) => createToken(user, `bench bot ${i}`)));
	console.log(
		`setup: ${users.length + 1} accounts signed up in ${(signUpMs / 1000).toFixed(1)} s ` +
			`(${SIGNUP_CONCURRENCY} sign-up forms in flight, ${(signUpMs / (users.length + 1)).toFixed(1)} ms ` +
			`each on average, Argon2id on the server); ${SIZES.length + 1} channels and ` +
			`${tokens.length} API tokens in ${((now() - t1) / 1000).toFixed(1)} s`
	);
	return { owner, users, channels, catchUp: { channelId: catchUpId, offline, tokens } };
}

async function catchUpScenario(server: ServerHandle, ws: Workspace) {
	const { channelId, offline, tokens } = ws.catchUp;
	const client = await goOffline(offline, channelId);
	const posted = await postMessages(server.url, channelId, tokens, CATCH_UP, REST_PER_BOT, RUN_ID);
	await sleep(500);
	try {
		const cpu0 = await server.api.cpu();
		const timing = await profiled(server, 'app-catch-up', () =>
			client.catchUp(posted.version, CATCH_UP)
		);
		const cpu1 = await server.api.cpu();
		const raw = [];
		for (let i = 0; i < 3; i++) {
			raw.push(await rawSocketSync(client.socket, channelId, client.cursor));
		}
		const rest = [];
		for (let i = 0; i < 3; i++) {
			rest.push(await restSync(offline, server.url, channelId, client.cursor));
		}
		return { posted, timing, serverCpuMs: cpuMs(cpu0, cpu1), raw, rest };
	} catch (error) {
		// Reported as a failed goal with its reason; the fan-out figures are still worth printing.
		return { posted, error: error instanceof Error ? error.message : String(error) };
	} finally {
		client.sync.close();
		client.socket.disconnect();
	}
}

// ---- output ---------------------------------------------------------------------------------------

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '-');
const ratio = (x: number) => `${x.toFixed(2)}x`;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

function describe(run: Run, name: 'fixed' | 'max'): string {
	const p = run[name];
	const d = p.deliveries;
	const lost = p.expected - d.received;
	return (
		`${run.kind.padEnd(4)} N=${String(run.n).padStart(4)} ${name.padEnd(5)}: ` +
		`${p.sent} sent${p.failed ? ` (${p.failed} FAILED: ${p.firstError})` : ''} at ` +
		`${f1(p.sentPerSecond)}/s; ${d.received}/${p.expected} delivered` +
		`${lost ? ` (${lost} LOST)` : ''} (per member ${d.perSocketMin}..${d.perSocketMax}` +
		`${d.disconnects ? `; ${d.disconnects} members DISCONNECTED` : ''}); ` +
		`latency p50 ${f1(d.histogram.percentile(50))} p99 ${f1(d.histogram.percentile(99))} ` +
		`max ${f1(d.histogram.max())} ms; ack p50 ${f1(p.ack.percentile(50))} ` +
		`p99 ${f1(p.ack.percentile(99))} ms; ${f0(p.deliveredPerSecond)} deliveries/s over ` +
		`${(p.wallMs / 1000).toFixed(2)} s; server CPU ${f0(p.cpuMs)} ms ` +
		`(${(p.cpuMs / p.sent).toFixed(2)} ms/msg), main thread ${(100 * p.elu).toFixed(0)}% busy; ` +
		`member processes' CPU ${f0(d.cpuMs)} ms` +
		(p.box
			? `; box ${pct(p.box.busy)} busy, ${pct(p.box.outside)} by other processes` +
				(p.box.steal > 0.01 ? `, ${pct(p.box.steal)} steal` : '')
			: '') +
		(d.negative ? `; ${d.negative} negative latencies` : '')
	);
}

type CatchUp = Awaited<ReturnType<typeof catchUpScenario>>;
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

/** Prints the catch-up figures and returns its verdict line. */
function reportCatchUp(catchUp: CatchUp | null): string {
	if (!catchUp) {
		console.log('\ncatch-up: skipped (--catchup=0)');
		return 'verdict catch-up: not measured (--catchup=0)';
	}
	const { posted } = catchUp;
	const list = (xs: number[]) => xs.map((x) => f0(x)).join(' / ');
	console.log(
		`\ncatch-up: ${CATCH_UP} messages posted over REST by ${REST_BOTS} bots (${REST_PER_BOT} ` +
			`requests in flight each) in ${(posted.ms / 1000).toFixed(1)} s ` +
			`(${f0((CATCH_UP / posted.ms) * 1000)} msg/s) while one member was offline`
	);
	if ('error' in catchUp) {
		console.log(`  FAILED: ${catchUp.error}`);
		return `verdict catch-up: FAIL: the catch-up of ${CATCH_UP} messages failed (see above)`;
	}
	const { timing, raw, rest } = catchUp;
	console.log(
		`  ChannelSync + Timeline (src/lib/client/channels), one channel:sync on reconnect -> ` +
			`${timing.applied} messages applied: ${f0(timing.totalMs)} ms ` +
			`(request -> decoded ack ${f0(timing.requestMs)} ms, apply ${f0(timing.applyMs)} ms; ` +
			`reconnect handshake before it ${f0(timing.handshakeMs)} ms; server CPU ${f0(catchUp.serverCpuMs)} ms)`
	);
	console.log(
		`  raw socket channel:sync, request -> decoded ack: ${list(raw.map((r) => r.ms))} ms`
	);
	console.log(
		`  REST GET /api/v1/channels/:id/changes?since=, request -> JSON parsed: ` +
			`${list(rest.map((r) => r.ms))} ms (${(rest[0].bytes / 1024 / 1024).toFixed(1)} MiB, ` +
			`JSON.parse ${f0(rest[0].parseMs)} ms)`
	);
	return (
		`verdict catch-up: ${verdict(timing.totalMs < GOAL_CATCH_UP_MS)}: ${timing.applied} ` +
		`messages caught up in ${f0(timing.totalMs)} ms (goal < ${GOAL_CATCH_UP_MS} ms)`
	);
}

function report(runs: Run[], catchUp: CatchUp | null): void {
	const get = (kind: Kind, n: number) => {
		const run = runs.find((r) => r.kind === kind && r.n === n);
		if (!run) throw new Error(`no ${kind} run for N=${n}`);
		return run;
	};
	const fixedRows = [
		[
			'N',
			'app p50',
			'app p99',
			'bare p50',
			'bare p99',
			'app deliv/s',
			'bare deliv/s',
			'app/bare',
			'app CPU/msg',
			'bare CPU/msg',
			'other load app/bare'
		]
	];
	const maxRows = [
		[
			'N',
			'app msg/s',
			'bare msg/s',
			'app deliv/s',
			'bare deliv/s',
			'app/bare',
			'app p99',
			'bare p99'
		]
	];
	const fixedRatios: { n: number; r: number }[] = [];
	const maxRatios: { n: number; r: number }[] = [];
	for (const n of SIZES) {
		const app = get('app', n);
		const bare = get('bare', n);
		const fr = app.fixed.deliveredPerSecond / bare.fixed.deliveredPerSecond;
		const mr = app.max.deliveredPerSecond / bare.max.deliveredPerSecond;
		fixedRatios.push({ n, r: fr });
		maxRatios.push({ n, r: mr });
		const h = (run: Run, name: 'fixed' | 'max', p: number) =>
			`${f1(run[name].deliveries.histogram.percentile(p))} ms`;
		fixedRows.push([
			String(n),
			h(app, 'fixed', 50),
			h(app, 'fixed', 99),
			h(bare, 'fixed', 50),
			h(bare, 'fixed', 99),
			f0(app.fixed.deliveredPerSecond),
			f0(bare.fixed.deliveredPerSecond),
			ratio(fr),
			`${(app.fixed.cpuMs / app.fixed.sent).toFixed(2)} ms`,
			`${(bare.fixed.cpuMs / bare.fixed.sent).toFixed(2)} ms`,
			`${app.fixed.box ? pct(app.fixed.box.outside) : '-'}/${bare.fixed.box ? pct(bare.fixed.box.outside) : '-'}`
		]);
		maxRows.push([
			String(n),
			f0(app.max.sentPerSecond),
			f0(bare.max.sentPerSecond),
			f0(app.max.deliveredPerSecond),
			f0(bare.max.deliveredPerSecond),
			ratio(mr),
			h(app, 'max', 99),
			h(bare, 'max', 99)
		]);
	}
	console.log(
		`\nfixed rate: ${RATE} msg/s for ${SECONDS} s (${Math.round(RATE * SECONDS)} messages per run)`
	);
	console.log(table(fixedRows));
	console.log(`\nmax rate: ${WINDOW} sends in flight (closed loop) for ${MAX_SECONDS} s`);
	console.log(table(maxRows));

	const catchUpVerdict = reportCatchUp(catchUp);

	const outside = Math.max(
		...runs.flatMap((run) => [run.fixed.box?.outside ?? 0, run.max.box?.outside ?? 0])
	);
	if (outside > 0.1) {
		console.log(
			`\nwarning: processes outside this bench used up to ${pct(outside)} of the machine during ` +
				`a measured phase ("other load"); latencies and rates of those phases are pessimistic. ` +
				`Rerun on a quiet machine for clean figures.`
		);
	}
	const largest = Math.max(...SIZES);
	const p99 = get('app', largest).fixed.deliveries.histogram.percentile(99);
	const worstFixed = fixedRatios.reduce((a, b) => (b.r < a.r ? b : a));
	const worstMax = maxRatios.reduce((a, b) => (b.r < a.r ? b : a));
	console.log('');
	console.log(
		`verdict latency: ${verdict(p99 < GOAL_P99_MS)}: app p99 send->receive at N=${largest} is ` +
			`${f1(p99)} ms (goal < ${GOAL_P99_MS} ms; ${RATE} msg/s)`
	);
	console.log(
		`verdict throughput (fixed rate): ${verdict(worstFixed.r >= GOAL_RATIO)}: app delivers ` +
			`${ratio(worstFixed.r)} bare's messages/s at worst (N=${worstFixed.n}; goal >= ${GOAL_RATIO}x)`
	);
	console.log(
		`verdict throughput (max rate): ${verdict(worstMax.r >= GOAL_RATIO)}: app delivers ` +
			`${ratio(worstMax.r)} bare's messages/s at worst (N=${worstMax.n}; goal >= ${GOAL_RATIO}x; ` +
			`per N: ${maxRatios.map((m) => `${m.n}: ${ratio(m.r)}`).join(', ')})`
	);
	console.log(catchUpVerdict);
}

// ---- main -----------------------------------------------------------------------------------------

async function main(): Promise<void> {
	requireBuild();
	if (SIZES.some((n) => !Number.isInteger(n) || n < 1)) {
		throw new Error('--sizes must be a comma-separated list of positive integers');
	}
	const maxN = Math.max(...SIZES);
	if (fdLimit() < maxN + 1024) {
		throw new Error(
			`open-file limit is ${fdLimit()}; ${maxN} members need at least ${maxN + 1024}`
		);
	}
	if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });

	const started = now();
	const cores = os.cpus().length;
	console.log('bench:channels: message fan-out in one channel, app vs bare Socket.IO broadcast');
	console.log(`${machineFacts()}, load average ${loadAverage()}`);
	console.log(
		`note: the load generator (${WORKERS} member processes; the sender and the catch-up client ` +
			`in this process) shares these ${cores} cores with the server under test, so latencies ` +
			`include client-side queueing and throughput is that of the whole box.`
	);
	console.log(
		`method: one app server (production build, fresh ${DB === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database, LOG_LEVEL=warn, rate limits raised) ` +
			`and one bare Socket.IO server (on 'send': io.to(room).emit) for the whole run. Per N, ` +
			`server: N member sockets (app: one account and session cookie each, members of one ` +
			`public channel) plus a sender socket in the room; ${WARMUP_SECONDS} s warm-up; ${RATE} ` +
			`msg/s for ${SECONDS} s; then ${WINDOW} sends in flight for ${MAX_SECONDS} s. Latency: ` +
			`send time written into the message body, read on delivery with ` +
			`performance.timeOrigin + performance.now() in each process (same machine).\n`
	);

	const app: ServerHandle = {
		...(await startParley(await parleyData(DB), {
			env: APP_ENV,
			watch: STATEMENTS ? ['sqlite'] : undefined
		})),
		kind: 'app'
	};
	const bare: ServerHandle = {
		...(await startServer('bench/lib/bare-server.ts', { name: 'bare', args: ['--broadcast'] })),
		kind: 'bare'
	};
	const ws = await setUp(app);
	const runs: Run[] = [];
	for (const n of SIZES) {
		for (const server of [bare, app]) {
			const run = await measure(server.kind, n, server, ws);
			runs.push(run);
			console.log(
				`${run.kind.padEnd(4)} N=${String(n).padStart(4)}: ${n} members connected in ` +
					`${run.connectMs} ms; clocks agree within ${(run.skew.offset * 1000).toFixed(0)} µs ` +
					`(± ${(run.skew.uncertainty * 1000).toFixed(0)} µs)`
			);
			console.log(describe(run, 'fixed'));
			console.log(describe(run, 'max'));
		}
	}
	const catchUp = CATCH_UP > 0 ? await catchUpScenario(app, ws) : null;
	report(runs, catchUp);
	if (STATEMENTS) printStatements((await app.api.counters()).sqlite?.statements ?? []);
	const problems = app.problems.length + bare.problems.length;
	if (problems) {
		console.log(
			`\n${problems} warn/error log lines from the servers, first: ${[...app.problems, ...bare.problems][0]}`
		);
	}
	console.log(`\ntotal time ${((now() - started) / 1000).toFixed(0)} s`);
	await Promise.all([app.stop(), bare.stop()]);
}

/** Where the app's time inside SQLite went, per statement, over the whole run. */
function printStatements(statements: SqliteStatementTime[]): void {
	const rows = [['calls', 'total', 'per call', 'statement']];
	for (const { sql, calls, ms } of statements) {
		rows.push([
			calls.toLocaleString('en-US'),
			`${ms.toFixed(0)} ms`,
			`${((ms / calls) * 1000).toFixed(1)} µs`,
			sql.length > 100 ? `${sql.slice(0, 99)}…` : sql
		]);
	}
	console.log(`\nSQLite time per statement in the app, whole run (--statements)\n${table(rows)}`);
}

await runMain(main);
