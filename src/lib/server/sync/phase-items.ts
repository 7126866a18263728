import type { SyncEntity } from '#lib/shared/sync.ts';
import { describe, type JobContext } from './job-context.ts';
import { judgeMissingModels, needsWorkspace, type KnownModel } from './model-guard.ts';
import { isObject, readPage, requireId, str, type Json } from './remote.ts';
import { noteMissingModels, writeItems, type ItemKind, type ItemRecord } from './store-items.ts';
import { fromSeconds, toEpochSeconds } from './timestamps.ts';

type ItemEntity = Extract<SyncEntity, 'models' | 'knowledge' | 'files' | 'feedback'>;

interface ItemSpec {
	kind: ItemKind;
	path: string;
	query: Record<string, string | number>;
	/** The list's key in the answer. */
	key: string;
	/** Fixed server page size; null for unpaged endpoints. */
	pageSize: number | null;
	read(item: Json): ItemRecord;
}

const date = (value: unknown) => {
	const s = toEpochSeconds(value);
	return s === null ? null : fromSeconds(s);
};
const obj = (value: unknown): Json => (isObject(value) ? value : {});

export const ITEM_SPECS: Record<ItemEntity, ItemSpec> = {
	models: {
		kind: 'model',
		path: '/api/models',
		query: {},
		key: 'data',
		pageSize: null,
		read: (m) => {
			const info = obj(m.info);
			return {
				remoteId: requireId(m, 'id', 'A model'),
				userId: str(info.user_id),
				name: str(m.name) ?? String(m.id),
				createdAt: date(m.created ?? info.created_at),
				updatedAt: date(info.updated_at),
				meta: {
					ownedBy: str(m.owned_by),
					baseModelId: str(info.base_model_id),
					arena: m.arena === true
				}
			};
		}
	},
	knowledge: {
		kind: 'knowledge',
		path: '/api/v1/knowledge/',
		query: {},
		key: 'items',
		pageSize: 30,
		read: (k) => ({
			remoteId: requireId(k, 'id', 'A knowledge base'),
			userId: str(k.user_id),
			name: str(k.name) ?? '',
			createdAt: date(k.created_at),
			updatedAt: date(k.updated_at),
			meta: { description: (str(k.description) ?? '').slice(0, 500) }
		})
	},
	files: {
		kind: 'file',
		path: '/api/v1/files/',
		query: { content: 'false' },
		key: 'items',
		pageSize: 50,
		read: (f) => {
			const meta = obj(f.meta);
			return {
				remoteId: requireId(f, 'id', 'A file'),
				userId: str(f.user_id),
				name: str(f.filename) ?? str(meta.name) ?? '',
				createdAt: date(f.created_at),
				updatedAt: date(f.updated_at),
				meta: {
					contentType: str(meta.content_type),
					size: typeof meta.size === 'number' ? meta.size : null,
					hash: str(f.hash)
				}
			};
		}
	},
	feedback: {
		kind: 'feedback',
		path: '/api/v1/evaluations/feedbacks/list',
		query: {},
		key: 'items',
		pageSize: 30,
		read: (f) => {
			const data = obj(f.data);
			const meta = obj(f.meta);
			return {
				remoteId: requireId(f, 'id', 'A feedback'),
				userId: str(f.user_id),
				name: str(data.model_id) ?? str(meta.model_id) ?? '',
				createdAt: date(f.created_at),
				updatedAt: date(f.updated_at),
				meta: {
					type: str(f.type),
					rating: typeof data.rating === 'number' ? data.rating : str(data.rating),
					reason: str(data.reason),
					chatId: str(meta.chat_id),
					messageId: str(meta.message_id)
				}
			};
		}
	}
};

/** Open WebUI's workspace models (presets), read from its database: the second source for models. */
const WORKSPACE_MODELS = {
	path: '/api/v1/models/list',
	query: {},
	key: 'items',
	pageSize: 30
} satisfies Omit<ItemSpec, 'kind' | 'read'>;

/** Reads every page of a list (or the one answer of an unpaged endpoint). */
async function listAll(
	ctx: JobContext,
	spec: Omit<ItemSpec, 'kind' | 'read'>,
	entity: ItemEntity,
	showProgress = true
): Promise<Json[]> {
	const all: Json[] = [];
	const ids = new Set<string>();
	for (let page = 1; ; page++) {
		const query = spec.pageSize === null ? spec.query : { ...spec.query, page };
		const body = await ctx.client.get(spec.path, query);
		const { items, total } = readPage(body, spec.key, entity);
		const fresh = items.filter((i) => !ids.has(String(i.id)));
		for (const item of fresh) ids.add(String(item.id));
		all.push(...fresh);
		if (showProgress) ctx.progress.step(entity, { done: all.length, total });
		// Unpaged (an older version's bare list too), the end, or a server that ignores `page`.
		if (spec.pageSize === null || Array.isArray(body) || !items.length || !fresh.length) break;
		if (total !== null ? ids.size >= total : items.length < spec.pageSize) break;
	}
	return all;
}

/**
 * Imports one catalogue (models, knowledge bases, files or feedback) and marks what it no longer
 * lists as deleted. A failure here is recorded and the run goes on with the next entity.
 */
export async function syncItems(ctx: JobContext, entity: ItemEntity): Promise<void> {
	const spec = ITEM_SPECS[entity];
	const { progress, db, instance } = ctx;
	progress.state(entity, 'running');
	try {
		const records: ItemRecord[] = [];
		/** Every id the instance listed, readable or not: only the others can be gone. */
		const listed = new Set<string>();
		const read = (items: Json[]) => {
			for (const item of items) {
				const id = str(item.id);
				if (id) listed.add(id);
				try {
					records.push(spec.read(item));
				} catch (error) {
					ctx.fail(entity, error, id ?? undefined);
				}
			}
		};
		read(await listAll(ctx, spec, entity));
		const live = await db.instanceItem.findMany({
			where: { instanceId: instance.id, kind: spec.kind, deletedAt: null },
			select: { remoteId: true, meta: true, missingSince: true }
		});
		if (live.some((r) => !listed.has(r.remoteId))) {
			// Confirm with a second listing before calling anything deleted (pages shift mid-scan).
			const again = await listAll(ctx, spec, entity);
			read(again.filter((i) => !listed.has(String(i.id))));
		}
		const gone =
			entity === 'models'
				? await modelsGone(ctx, live, listed)
				: catalogueGone(ctx, entity, live, listed);
		const counts = await ctx.write(() =>
			writeItems(db, instance.id, spec.kind, records, { gone, at: ctx.startedAt })
		);
		progress.count(entity, counts);
		progress.state(entity, 'done');
	} catch (error) {
		ctx.fail(entity, error);
		progress.state(entity, 'failed');
	}
}

interface LiveItem {
	remoteId: string;
	meta: string;
	missingSince: Date | null;
}

/**
 * Knowledge, files, feedback: what the listing lacks is gone, unless it suddenly lacks more than
 * half (and more than 10) of them outside a full run; the typical cause is a key that lost access.
 */
function catalogueGone(
	ctx: JobContext,
	entity: ItemEntity,
	live: LiveItem[],
	listed: Set<string>
): string[] {
	const missing = live.filter((r) => !listed.has(r.remoteId)).map((r) => r.remoteId);
	if (!ctx.full && missing.length > Math.max(10, live.length * 0.5)) {
		ctx.progress.issue({
			entity,
			message: `The instance no longer lists ${missing.length} of ${live.length} imported ${entity}; they were not marked deleted in case the key lost access (e.g. BYPASS_ADMIN_ACCESS_CONTROL). Run a full sync to confirm.`
		});
		return [];
	}
	return missing;
}

/** Models: see model-guard.ts. A full run does not bypass it: an empty list is never proof. */
async function modelsGone(
	ctx: JobContext,
	live: LiveItem[],
	listed: Set<string>
): Promise<string[]> {
	const known: KnownModel[] = live.map((r) => ({
		remoteId: r.remoteId,
		preset: isPreset(r.meta),
		missingSince: r.missingSince
	}));
	const workspace = needsWorkspace(known, listed) ? await workspaceModels(ctx) : null;
	const verdict = judgeMissingModels({ known, listed, workspace, runStartedAt: ctx.startedAt });
	const clear = known
		.filter((m) => m.missingSince && (listed.has(m.remoteId) || workspace?.has(m.remoteId)))
		.map((m) => m.remoteId);
	if (verdict.mark.length || clear.length) {
		await ctx.write(() =>
			noteMissingModels(ctx.db, ctx.instance.id, { mark: verdict.mark, clear, at: ctx.startedAt })
		);
	}
	if (verdict.warning) {
		ctx.progress.issue({ entity: 'models', message: verdict.warning, warning: true });
	}
	return verdict.remove;
}

/** The ids of the workspace model list, or null when it cannot be read (older versions lack it). */
async function workspaceModels(ctx: JobContext): Promise<Set<string> | null> {
	try {
		const items = await listAll(ctx, WORKSPACE_MODELS, 'models', false);
		return new Set(items.map((m) => str(m.id)).filter((id): id is string => id !== null));
	} catch (error) {
		if (ctx.signal.aborted) throw error;
		ctx.progress.issue({
			entity: 'models',
			message: `The workspace model list (/api/v1/models/list) could not be read to confirm deletions: ${describe(error)}`,
			warning: true
		});
		return null;
	}
}

function isPreset(meta: string): boolean {
	try {
		const parsed = JSON.parse(meta) as unknown;
		return isObject(parsed) && typeof parsed.baseModelId === 'string';
	} catch {
		return false;
	}
}
