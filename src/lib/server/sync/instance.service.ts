import type { Db } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { SecretKeyError } from '../secrets/keys.ts';
import type { CreateInstanceInput, UpdateInstanceInput } from '#lib/shared/schemas/instances.ts';
import type { ConnectionTest, InstanceView } from '#lib/shared/sync.ts';
import { checkConnection, ConnectionError, toConnectionTest } from './connection.ts';
import { toRunDto } from './dto.ts';
import { OpenWebUIClient } from './owui-client.ts';
import type { RollupRefresher } from './rollup-hook.ts';
import type { SyncHttp } from './setup.ts';
import type { SyncService } from './sync.service.ts';
import { utcDay } from './timestamps.ts';

const TEST_TIMEOUT_MS = 10_000;

type InstanceRow = NonNullable<Awaited<ReturnType<Db['instance']['findUnique']>>>;

/**
 * Open WebUI instances as admins manage them. The API key is write-only: views carry `hasApiKey`,
 * nothing here ever returns or logs the key, and it is stored encrypted. Base URLs are checked
 * against the outbound policy when saved.
 */
export class InstanceService {
	readonly #db: Db;
	readonly #sync: SyncService;
	readonly #refresh: RollupRefresher;
	readonly #log: Logger;
	readonly #http: SyncHttp['http'];
	readonly #secrets: SyncHttp['secrets'];

	constructor(
		deps: { db: Db; sync: SyncService; refreshRollups: RollupRefresher; log: Logger } & SyncHttp
	) {
		this.#db = deps.db;
		this.#sync = deps.sync;
		this.#refresh = deps.refreshRollups;
		this.#log = deps.log;
		this.#http = deps.http;
		this.#secrets = deps.secrets;
	}

	async list(): Promise<InstanceView[]> {
		const rows = await this.#db.instance.findMany({ orderBy: { name: 'asc' } });
		return this.#views(rows);
	}

	async get(id: string): Promise<InstanceView> {
		return (await this.#views([await this.#require(id)]))[0];
	}

	async findByName(name: string): Promise<InstanceView | null> {
		const row = await this.#db.instance.findUnique({ where: { name } });
		return row ? (await this.#views([row]))[0] : null;
	}

	async create(input: CreateInstanceInput): Promise<InstanceView> {
		await this.#unique(input.name);
		this.#checkUrl(input.baseUrl);
		// Sealed for the row's id, in the transaction that creates the row: the plain key is never written.
		const id = await this.#db.$transaction(async (tx) => {
			const row = await tx.instance.create({
				data: {
					...input,
					apiKey: '',
					nextSyncAt: input.scheduled ? new Date(Date.now() + input.intervalMinutes * 60_000) : null
				}
			});
			const apiKey = await this.#secrets.seal('instance.apiKey', row.id, input.apiKey);
			await tx.instance.update({ where: { id: row.id }, data: { apiKey } });
			return row.id;
		});
		await this.#secrets.refreshRedactor();
		return this.get(id);
	}

	async update(id: string, input: UpdateInstanceInput): Promise<InstanceView> {
		const old = await this.#require(id);
		if (input.name && input.name !== old.name) await this.#unique(input.name);
		if (input.baseUrl !== undefined) this.#checkUrl(input.baseUrl);
		const data: UpdateInstanceInput & { nextSyncAt?: Date | null } = { ...input };
		if (input.apiKey !== undefined) {
			data.apiKey = await this.#secrets.seal('instance.apiKey', id, input.apiKey);
		}
		const scheduled = input.scheduled ?? old.scheduled;
		const interval = input.intervalMinutes ?? old.intervalMinutes;
		if (scheduled !== old.scheduled || interval !== old.intervalMinutes) {
			data.nextSyncAt = scheduled ? new Date(Date.now() + interval * 60_000) : null;
		}
		await this.#db.$transaction([
			this.#db.instance.update({ where: { id }, data }),
			// Imported usage shows the instance's name as its provider.
			...(input.name && input.name !== old.name
				? [
						this.#db.usageRecord.updateMany({
							where: { instanceId: id },
							data: { providerName: input.name }
						})
					]
				: [])
		]);
		if (input.apiKey !== undefined) await this.#secrets.refreshRedactor();
		return this.get(id);
	}

	/** Deletes the instance and everything imported from it (a running sync must end first). */
	async remove(id: string): Promise<void> {
		const row = await this.#require(id);
		if (this.#sync.isRunningHere(id) || (await this.#sync.locks.holder(id))) {
			throw new AppError('conflict', `A sync of ${row.name} is running; stop it first.`);
		}
		const span = await this.#db.usageRecord.aggregate({
			where: { instanceId: id },
			_min: { createdAt: true },
			_max: { createdAt: true }
		});
		// Of two removals racing, the second finds nothing to delete: a 404, not a failed delete.
		const removed = await this.#db.$transaction(async (tx) => {
			await tx.usageRecord.deleteMany({ where: { instanceId: id } });
			return (await tx.instance.deleteMany({ where: { id } })).count;
		});
		if (!removed) throw new AppError('not_found', 'No such instance.');
		await this.#secrets.refreshRedactor();
		const touched = daysBetween(span._min.createdAt, span._max.createdAt);
		if (touched.length) {
			await this.#refresh(id, touched).catch((error: unknown) =>
				this.#log.error({ err: error, instanceId: id }, 'rollup refresh after delete failed')
			);
		}
	}

	/** Checks the URL and key: version on success, a precise reason on failure. */
	async test(id: string): Promise<ConnectionTest> {
		const row = await this.#require(id);
		let apiKey: string;
		try {
			apiKey = await this.#secrets.open('instance.apiKey', row.id, row.apiKey);
		} catch (error) {
			if (!(error instanceof SecretKeyError)) throw error;
			return { ok: false, code: 'key_unreadable', reason: error.message };
		}
		const client = new OpenWebUIClient({
			outbound: this.#http.outbound,
			redact: (text, extra) => this.#http.redactor.redact(text, extra),
			baseUrl: row.baseUrl,
			apiKey,
			concurrency: 1,
			requestsPerSecond: 10,
			timeoutMs: TEST_TIMEOUT_MS,
			maxRetries: 1,
			retryBaseMs: 500,
			maxResponseBytes: 4 * 1_048_576
		});
		try {
			const info = await checkConnection(client, row.baseUrl);
			await this.#db.instance.update({ where: { id }, data: { version: info.version } });
			return toConnectionTest({ ok: true, info });
		} catch (error) {
			if (error instanceof ConnectionError) return toConnectionTest({ ok: false, error });
			throw error;
		}
	}

	/** Refuses a base URL the outbound guard would refuse, naming OUTBOUND_ALLOW where it helps. */
	#checkUrl(baseUrl: string): void {
		const refusal = this.#http.outbound.checkUrl(baseUrl);
		if (refusal) {
			throw new AppError('validation', refusal.message, { fields: { baseUrl: refusal.message } });
		}
	}

	async #require(id: string): Promise<InstanceRow> {
		const row = await this.#db.instance.findUnique({ where: { id } });
		if (!row) throw new AppError('not_found', 'No such instance.');
		return row;
	}

	async #unique(name: string): Promise<void> {
		if (await this.#db.instance.findUnique({ where: { name } })) {
			throw new AppError('conflict', 'An instance with this name exists.', {
				fields: { name: 'An instance with this name exists.' }
			});
		}
	}

	async #views(rows: InstanceRow[]): Promise<InstanceView[]> {
		if (!rows.length) return [];
		const ids = rows.map((r) => r.id);
		const live = { instanceId: { in: ids }, deletedAt: null };
		const [users, chats, messages, lastRuns] = await Promise.all([
			this.#db.instanceUser.groupBy({ by: ['instanceId'], where: live, _count: true }),
			this.#db.instanceChat.groupBy({ by: ['instanceId'], where: live, _count: true }),
			this.#db.instanceMessage.groupBy({ by: ['instanceId'], where: live, _count: true }),
			Promise.all(
				ids.map((instanceId) =>
					this.#db.syncRun.findFirst({ where: { instanceId }, orderBy: { startedAt: 'desc' } })
				)
			)
		]);
		const countOf = (list: { instanceId: string; _count: number }[], id: string) =>
			list.find((c) => c.instanceId === id)?._count ?? 0;
		return rows.map((row, i) => ({
			id: row.id,
			name: row.name,
			baseUrl: row.baseUrl,
			hasApiKey: row.apiKey !== '',
			scheduled: row.scheduled,
			intervalMinutes: row.intervalMinutes,
			concurrency: row.concurrency,
			requestsPerSecond: row.requestsPerSecond,
			version: row.version,
			nextSyncAt: row.nextSyncAt?.toISOString() ?? null,
			createdAt: row.createdAt.toISOString(),
			lastRun: lastRuns[i] ? toRunDto(lastRuns[i]) : null,
			totals: {
				users: countOf(users, row.id),
				chats: countOf(chats, row.id),
				messages: countOf(messages, row.id)
			}
		}));
	}
}

/** Every UTC day from `first` to `last` (none when there is no data). */
function daysBetween(first: Date | null, last: Date | null): string[] {
	if (!first || !last) return [];
	const days: string[] = [];
	for (let t = Date.parse(utcDay(first)); t <= last.getTime(); t += 86_400_000) {
		days.push(utcDay(new Date(t)));
	}
	return days;
}
