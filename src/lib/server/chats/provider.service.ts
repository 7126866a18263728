import { type Db, Prisma } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { SecretKeyError } from '../secrets/keys.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import type { ModelOption, ModelView, ProviderView } from '#lib/shared/chats.ts';

export type { ModelView, ProviderView };
import { listModels, type ProviderEndpoint, type ProviderHttp } from './openai-client.ts';
import { ProviderError } from './provider-error.ts';

export interface ResolvedModel {
	endpoint: ProviderEndpoint;
	providerName: string;
	model: ModelView;
}

const TEST_TIMEOUT_MS = 10_000;

type ProviderRow = NonNullable<Awaited<ReturnType<Db['provider']['findUnique']>>>;

/**
 * Model providers and their models: admin settings, and what users may pick. API keys are stored
 * encrypted (`SecretStore`) and base URLs are checked against the outbound policy when saved.
 */
export class ProviderService {
	readonly #db: Db;
	readonly #http: ProviderHttp;
	readonly #secrets: SecretStore;
	readonly #log: Logger;

	constructor(deps: { db: Db; http: ProviderHttp; secrets: SecretStore; log: Logger }) {
		this.#db = deps.db;
		this.#http = deps.http;
		this.#secrets = deps.secrets;
		this.#log = deps.log;
	}

	async list(): Promise<ProviderView[]> {
		const rows = await this.#db.provider.findMany({
			include: { models: { orderBy: { remoteId: 'asc' } } },
			orderBy: { name: 'asc' }
		});
		return rows.map((row) => ({
			id: row.id,
			name: row.name,
			baseUrl: row.baseUrl,
			enabled: row.enabled,
			hasApiKey: row.apiKey !== '',
			models: row.models.map(toModelView)
		}));
	}

	async create(input: { name: string; baseUrl: string; apiKey: string }): Promise<ProviderView> {
		await this.#nameFree(input.name);
		this.#checkUrl(input.baseUrl);
		// The key is sealed for the row's id, which exists once the row does: both in one transaction,
		// so the plain key is never written.
		const id = await this.#db
			.$transaction(async (tx) => {
				const row = await tx.provider.create({ data: { ...input, apiKey: '' } });
				const apiKey = await this.#secrets.seal('provider.apiKey', row.id, input.apiKey);
				if (apiKey) await tx.provider.update({ where: { id: row.id }, data: { apiKey } });
				return row.id;
			})
			.catch(nameTaken);
		if (input.apiKey) await this.#secrets.refreshRedactor();
		return this.#one(id);
	}

	async update(
		id: string,
		input: { name?: string; baseUrl?: string; apiKey?: string; enabled?: boolean }
	): Promise<ProviderView> {
		await this.#require(id);
		if (input.name !== undefined) await this.#nameFree(input.name, id);
		if (input.baseUrl !== undefined) this.#checkUrl(input.baseUrl);
		const data = { ...input };
		if (input.apiKey !== undefined) {
			data.apiKey = await this.#secrets.seal('provider.apiKey', id, input.apiKey);
		}
		await this.#db.provider.update({ where: { id }, data }).catch(nameTaken);
		if (input.apiKey !== undefined) await this.#secrets.refreshRedactor();
		return this.#one(id);
	}

	async remove(id: string): Promise<void> {
		// One statement: of two removals racing, the second finds nothing (a 404, not a failed delete).
		const { count } = await this.#db.provider.deleteMany({ where: { id } });
		if (!count) throw new AppError('not_found', 'No such provider.');
		await this.#secrets.refreshRedactor();
	}

	/** Asks the provider for its models; a clear reason (for the admin) when that fails. */
	async test(id: string): Promise<{ ok: true; models: number } | { ok: false; reason: string }> {
		try {
			const endpoint = await this.#endpoint(await this.#require(id));
			const models = await listModels(this.#http, endpoint, AbortSignal.timeout(TEST_TIMEOUT_MS));
			return { ok: true, models: models.length };
		} catch (error) {
			if (error instanceof SecretKeyError) return { ok: false, reason: error.message };
			if (error instanceof ProviderError) {
				return {
					ok: false,
					reason:
						error.failure === 'aborted'
							? 'The provider did not answer within 10 seconds.'
							: error.adminMessage
				};
			}
			throw error;
		}
	}

	/** Fetches GET /models and adds models not seen before (disabled until an admin enables them). */
	async refreshModels(id: string): Promise<ProviderView> {
		const provider = await this.#require(id);
		let remoteIds: string[];
		try {
			const endpoint = await this.#endpoint(provider);
			remoteIds = await listModels(this.#http, endpoint, AbortSignal.timeout(TEST_TIMEOUT_MS));
		} catch (error) {
			if (error instanceof SecretKeyError) throw new AppError('bad_request', error.message);
			if (error instanceof ProviderError) throw new AppError('bad_request', error.adminMessage);
			throw error;
		}
		for (const remoteId of remoteIds) {
			try {
				await this.#db.providerModel.upsert({
					where: { providerId_remoteId: { providerId: id, remoteId } },
					create: { providerId: id, remoteId, displayName: remoteId },
					update: {}
				});
			} catch (error) {
				// A refresh running beside this one added it first (Prisma's upsert reads, then inserts).
				if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) {
					throw error;
				}
			}
		}
		return this.#one(id);
	}

	async updateModel(
		modelId: string,
		input: {
			displayName?: string;
			enabled?: boolean;
			isDefault?: boolean;
			inputPricePerMTok?: number;
			outputPricePerMTok?: number;
		}
	): Promise<ModelView> {
		const existing = await this.#db.providerModel.findUnique({ where: { id: modelId } });
		if (!existing) throw new AppError('not_found', 'No such model.');
		const row = await this.#db.$transaction(async (tx) => {
			if (input.isDefault) {
				await tx.providerModel.updateMany({
					where: { isDefault: true },
					data: { isDefault: false }
				});
			}
			const enabled = input.isDefault ? true : input.enabled;
			return tx.providerModel.update({
				where: { id: modelId },
				data: { ...input, enabled, ...(enabled === false && { isDefault: false }) }
			});
		});
		return toModelView(row);
	}

	/** The models users may pick: enabled, on an enabled provider. */
	async options(): Promise<{ models: ModelOption[]; defaultModelId: string | null }> {
		const rows = await this.#db.providerModel.findMany({
			where: { enabled: true, provider: { enabled: true } },
			include: { provider: { select: { name: true } } },
			orderBy: [{ isDefault: 'desc' }, { displayName: 'asc' }]
		});
		const models = rows.map((r) => ({
			id: r.id,
			displayName: r.displayName,
			providerName: r.provider.name,
			isDefault: r.isDefault
		}));
		return { models, defaultModelId: models.find((m) => m.isDefault)?.id ?? models[0]?.id ?? null };
	}

	/** The model to answer with: the one asked for, else the default; it must be usable. */
	async resolve(modelId: string | null | undefined): Promise<ResolvedModel> {
		const id = modelId ?? (await this.options()).defaultModelId;
		const row = id
			? await this.#db.providerModel.findUnique({ where: { id }, include: { provider: true } })
			: null;
		if (!row) {
			throw new AppError(
				'model_unavailable',
				id
					? 'That model does not exist.'
					: 'No model is available yet. Ask an admin to add a provider.'
			);
		}
		if (!row.enabled || !row.provider.enabled) {
			throw new AppError(
				'model_unavailable',
				`${row.displayName} is disabled. Pick another model.`
			);
		}
		let endpoint: ProviderEndpoint;
		try {
			endpoint = await this.#endpoint(row.provider);
		} catch (error) {
			if (!(error instanceof SecretKeyError)) throw error;
			this.#log.error({ providerId: row.provider.id }, error.message);
			throw new AppError(
				'model_unavailable',
				`${row.displayName} cannot be used right now: the server cannot read its provider’s API key. Ask an admin to test the provider under Admin → Providers.`
			);
		}
		return { endpoint, providerName: row.provider.name, model: toModelView(row) };
	}

	/** The URL and the decrypted key to call a provider with. */
	async #endpoint(row: ProviderRow): Promise<ProviderEndpoint> {
		const apiKey = await this.#secrets.open('provider.apiKey', row.id, row.apiKey);
		return { baseUrl: row.baseUrl, apiKey };
	}

	/** Refuses a base URL the outbound guard would refuse, naming OUTBOUND_ALLOW where it helps. */
	#checkUrl(baseUrl: string): void {
		const refusal = this.#http.outbound.checkUrl(baseUrl);
		if (refusal) {
			throw new AppError('validation', refusal.message, { fields: { baseUrl: refusal.message } });
		}
	}

	/** Names are unique: refused with a field message before the write (and if a race wins). */
	async #nameFree(name: string, exceptId?: string): Promise<void> {
		const clash = await this.#db.provider.findUnique({ where: { name }, select: { id: true } });
		if (clash && clash.id !== exceptId) nameTaken();
	}

	async #require(id: string): Promise<ProviderRow> {
		const provider = await this.#db.provider.findUnique({ where: { id } });
		if (!provider) throw new AppError('not_found', 'No such provider.');
		return provider;
	}

	async #one(id: string): Promise<ProviderView> {
		const found = (await this.list()).find((p) => p.id === id);
		if (!found) throw new AppError('not_found', 'No such provider.');
		return found;
	}
}

function nameTaken(error?: unknown): never {
	if (
		error === undefined ||
		(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')
	) {
		throw new AppError('conflict', 'A provider with this name exists.', {
			fields: { name: 'A provider with this name exists.' }
		});
	}
	throw error;
}

function toModelView(row: ModelView & Record<string, unknown>): ModelView {
	return {
		id: row.id,
		remoteId: row.remoteId,
		displayName: row.displayName,
		enabled: row.enabled,
		isDefault: row.isDefault,
		inputPricePerMTok: row.inputPricePerMTok,
		outputPricePerMTok: row.outputPricePerMTok
	};
}
