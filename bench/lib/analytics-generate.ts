/**
 * Generates a year of usage into a fresh Parley database, through the app's own tables (User,
 * Message for channel messages, UsageRecord for AI answers) with batched inserts in better-sqlite3
 * transactions, one per day. Deterministic for a seed. Shape (see bench/README.md):
 * - people have a daily chance of being active (a few every day, most now and then) and, when they
 *   are, one to three sessions of messages and answers; weekends are quieter, volume grows 50 %
 *   over the year, and people live in Europe, the Americas and India (their own office hours);
 * - half the facts are channel messages, half AI answers over 8 models with their own prices,
 *   latencies and error rates, in chats of a few answers each; a tenth of the answers come from a
 *   second, imported instance with its own people.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { applyMigrations } from '../../src/lib/server/db/migrate.ts';
import { parseDatabaseUrl } from '../../src/lib/server/db/target.ts';

export interface GenerateOptions {
	file: string;
	users: number;
	facts: number;
	days: number;
	/** The generated year ends at this day's UTC midnight (epoch day number). */
	endDay: number;
	seed?: number;
	/**
	 * Time budget (ms) for the whole generation. After the first days the generator projects the
	 * total (inserts, then index builds at about 1.5 times the insert time, as measured here) and,
	 * if it would not fit, thins out the remaining days evenly. The result says how far it got.
	 */
	budgetMs?: number;
	onDay?: (day: number, total: number, facts: number) => void;
}

/** Index builds took about 1.5 times as long as the inserts on the dev container. */
const INDEX_FACTOR = 1.5;

export interface Generated {
	facts: number;
	answers: number;
	messages: number;
	/** The share of the target volume generated for the days after the pilot (1 = all of it). */
	scale: number;
}

export const MODELS = [
	{ name: 'gpt-4o', share: 30, ttft: 450, tps: 80, inPrice: 2.5, outPrice: 10, fail: 0.01 },
	{ name: 'gpt-4o-mini', share: 25, ttft: 300, tps: 120, inPrice: 0.15, outPrice: 0.6, fail: 0.01 },
	{ name: 'claude-sonnet', share: 15, ttft: 900, tps: 70, inPrice: 3, outPrice: 15, fail: 0.015 },
	{ name: 'o3-reasoning', share: 6, ttft: 9000, tps: 60, inPrice: 2, outPrice: 8, fail: 0.03 },
	{ name: 'llama3.1:8b', share: 10, ttft: 120, tps: 45, inPrice: 0, outPrice: 0, fail: 0.02 },
	{ name: 'qwen2.5:32b', share: 7, ttft: 350, tps: 25, inPrice: 0, outPrice: 0, fail: 0.04 },
	{ name: 'mistral-large', share: 4, ttft: 700, tps: 55, inPrice: 2, outPrice: 6, fail: 0.02 },
	{ name: 'deepseek-v3', share: 3, ttft: 1200, tps: 40, inPrice: 0.27, outPrice: 1.1, fail: 0.05 }
];
const IMPORTED = 'owui-main';
/** Offsets (hours) people live at, with their share. */
const ZONES = [
	[1, 0.55],
	[-5, 0.3],
	[5.5, 0.15]
] as const;

/** mulberry32: small, fast, good enough for synthetic data. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function pickWeighted<T extends { share: number }>(items: T[], r: number): T {
	const total = items.reduce((s, i) => s + i.share, 0);
	let x = r * total;
	for (const item of items) {
		x -= item.share;
		if (x <= 0) return item;
	}
	return items[items.length - 1];
}

/** A UUID v7 for a time, like Prisma's uuid(7): ordered by time, random after. */
function uuid7(ms: number, random: Buffer, offset: number): string {
	const hex = ms.toString(16).padStart(12, '0') + random.toString('hex', offset, offset + 10);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

interface Person {
	id: string;
	instance: string;
	/** Chance of being active on a weekday. */
	daily: number;
	/** Mean facts per active day. */
	perDay: number;
	zone: number;
	chatId: string | null;
	chatLeft: number;
}

export async function generate(options: GenerateOptions): Promise<Generated> {
	const random = rng(options.seed ?? 42);
	await applyMigrations(parseDatabaseUrl(`file:${options.file}`));
	const db = new Database(options.file);
	db.pragma('journal_mode = OFF');
	db.pragma('synchronous = OFF');
	db.pragma('cache_size = -2000000');
	db.pragma('temp_store = MEMORY');

	// Bulk load: drop the fact tables' secondary indexes and build them once at the end (a sort is
	// far cheaper than millions of random b-tree inserts); same DDL, so the same indexes.
	const indexes = db
		.prepare(
			`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
			 AND tbl_name IN ('Message', 'UsageRecord')`
		)
		.all() as { name: string; sql: string }[];
	for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);

	const startMs = (options.endDay - options.days) * 86_400_000;
	const people: Person[] = [];
	const insertUser = db.prepare(
		`INSERT INTO User (id, email, displayName, passwordHash, role, status, createdAt, updatedAt)
		 VALUES (?, ?, ?, 'x', ?, 'active', ?, ?)`
	);
	const importedUsers = Math.round(options.users / 10);
	db.transaction(() => {
		for (let i = 0; i < options.users + importedUsers; i++) {
			const local = i < options.users;
			const id = local ? uuid7(startMs - 86_400_000 + i, randomBytes(10), 0) : `owui-user-${i}`;
			// Activity follows a power law: a few people every day, most now and then.
			const rank = (local ? i : i - options.users) + 1;
			const daily = Math.min(0.95, 0.9 * Math.pow(rank, -0.2));
			const zoneR = random();
			const zone =
				zoneR < ZONES[0][1]
					? ZONES[0][0]
					: zoneR < ZONES[0][1] + ZONES[1][1]
						? ZONES[1][0]
						: ZONES[2][0];
			people.push({
				id,
				instance: local ? 'local' : IMPORTED,
				daily,
				perDay: 0,
				zone,
				chatId: null,
				chatLeft: 0
			});
			if (local) {
				const at = iso(startMs - 86_400_000);
				insertUser.run(id, `user${i}@bench.test`, `User ${i}`, i === 0 ? 'admin' : 'user', at, at);
			}
		}
	})();
	// Scale facts per active day so the year adds up to the target.
	const weekdayShare = 5 / 7 + (2 / 7) * 0.35;
	const activeDays = people.reduce((s, p) => s + p.daily, 0) * options.days * weekdayShare;
	// Splitting a day into sessions rounds up by about one fact.
	const mean = Math.max(1, options.facts / activeDays - 1);
	for (const p of people) p.perDay = mean;

	const channels = Math.max(20, Math.round(options.users / 50));
	const channelIds = Array.from({ length: channels }, (_, i) =>
		uuid7(startMs - 1000 + i, randomBytes(10), 0)
	);
	const seqs = new Int32Array(channels);
	db.transaction(() => {
		const insert = db.prepare(
			`INSERT INTO Channel (id, kind, name, createdAt) VALUES (?, 'public', ?, ?)`
		);
		channelIds.forEach((id, i) => insert.run(id, `bench-${i}`, iso(startMs - 1000)));
	})();
	const insertMessage = db.prepare(
		`INSERT INTO Message (id, channelId, seq, version, authorId, clientId, body, createdAt)
		 VALUES (?, ?, ?, ?, ?, ?, 'benchmark message', ?)`
	);
	const insertAnswer = db.prepare(
		`INSERT INTO UsageRecord (id, instanceId, userId, chatId, messageId, providerName, model,
			promptTokens, completionTokens, tokensEstimated, costUsd, ttftMs, durationMs, status, createdAt)
		 VALUES (?, ?, ?, ?, ?, 'bench', ?, ?, ?, 0, ?, ?, ?, ?, ?)`
	);

	let facts = 0;
	let answers = 0;
	let messages = 0;
	let clientCounter = 0;
	let scale = 1;
	const started = performance.now();
	const pilotDays = Math.max(1, Math.ceil(options.days * 0.04));
	for (let d = 0; d < options.days; d++) {
		if (d === pilotDays && options.budgetMs) {
			const elapsed = performance.now() - started;
			const perFact = elapsed / facts;
			const rest = (options.facts * (options.days - d)) / options.days;
			const projected = (elapsed + perFact * rest) * (1 + INDEX_FACTOR);
			if (projected > options.budgetMs) {
				const affordable = options.budgetMs / (1 + INDEX_FACTOR) - elapsed;
				scale = Math.max(0.01, Math.min(1, affordable / (perFact * rest)));
				for (const p of people) p.perDay = Math.max(0.2, (p.perDay + 1) * scale - 1);
			}
		}
		const dayMs = startMs + d * 86_400_000;
		const weekday = (Math.floor(dayMs / 86_400_000) + 3) % 7; // 0 = Monday
		const dayFactor = (weekday >= 5 ? 0.35 : 1) * (0.8 + (0.4 * d) / options.days);
		const rows: { ms: number; person: Person; answer: boolean }[] = [];
		for (const person of people) {
			if (random() >= person.daily * dayFactor) continue;
			const count = Math.max(1, Math.round(-Math.log(1 - random()) * person.perDay));
			const sessions = 1 + Math.floor(random() * 3);
			for (let s = 0; s < sessions; s++) {
				// Office hours in the person's zone, as UTC.
				const localHour = 8 + random() * 10;
				const sessionMs = dayMs + (localHour - person.zone) * 3_600_000;
				const n = Math.ceil(count / sessions);
				for (let k = 0; k < n; k++) {
					const ms = Math.floor(sessionMs + random() * 3_600_000);
					const answer = person.instance !== 'local' || random() < 0.5;
					rows.push({ ms, person, answer });
				}
			}
		}
		rows.sort((a, b) => a.ms - b.ms);
		const bytes = randomBytes(rows.length * 20);
		db.transaction(() => {
			rows.forEach(({ ms, person, answer }, i) => {
				const id = uuid7(ms, bytes, i * 20);
				if (!answer) {
					const c = Math.floor(random() * channels);
					seqs[c] += 1;
					clientCounter += 1;
					insertMessage.run(
						id,
						channelIds[c],
						seqs[c],
						seqs[c],
						person.id,
						`b${clientCounter}`,
						iso(ms)
					);
					messages++;
					return;
				}
				if (person.chatLeft <= 0 || !person.chatId) {
					person.chatId = uuid7(ms, bytes, i * 20 + 10);
					person.chatLeft = 1 + Math.floor(-Math.log(1 - random()) * 4);
				}
				person.chatLeft--;
				const model = pickWeighted(MODELS, random());
				const prompt = Math.round(200 + -Math.log(1 - random()) * 900);
				const completion = Math.round(50 + -Math.log(1 - random()) * 450);
				const roll = random();
				const status =
					roll < model.fail
						? 'error'
						: roll < model.fail + 0.03
							? 'stopped'
							: roll < model.fail + 0.035
								? 'interrupted'
								: 'done';
				const ttft =
					status === 'error' && random() < 0.5
						? null
						: Math.round(model.ttft * (0.5 + random() * 1.5));
				const duration = (ttft ?? 0) + Math.round((completion / model.tps) * 1000);
				const cost = (prompt * model.inPrice + completion * model.outPrice) / 1e6;
				const instance = person.instance;
				insertAnswer.run(
					id,
					instance,
					person.id,
					person.chatId,
					`m-${id}`,
					model.name,
					prompt,
					completion,
					cost,
					ttft,
					duration,
					status,
					iso(ms)
				);
				answers++;
			});
		})();
		facts += rows.length;
		options.onDay?.(d + 1, options.days, facts);
	}
	db.transaction(() => {
		const update = db.prepare('UPDATE Channel SET version = ?, lastMessageSeq = ? WHERE id = ?');
		channelIds.forEach((id, i) => update.run(seqs[i], seqs[i], id));
	})();
	for (const index of indexes) db.exec(index.sql);
	db.pragma('journal_mode = WAL');
	db.close();
	return { facts, answers, messages, scale };
}
