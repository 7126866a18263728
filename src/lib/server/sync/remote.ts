/**
 * Reads Open WebUI's JSON answers into plain records, tolerating the shapes different versions
 * used and refusing (with a precise message) what cannot be imported. See ../shared/open-webui-api.md.
 */
import { externalCount } from '../db/int-column.ts';
import { toEpochSeconds } from './timestamps.ts';

/** An answer (or an item in it) that cannot be imported; the message names the field. */
export class ShapeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ShapeError';
	}
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | null {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return null;
}

/** A required id: a non-empty string (or number). */
export function requireId(record: Json, field: string, what: string): string {
	const id = str(record[field]);
	if (!id) throw new ShapeError(`${what} has no "${field}".`);
	return id;
}

/** A page of a list: the items and, when the endpoint reports it, the total. */
export interface Page {
	items: Json[];
	total: number | null;
}

/**
 * Reads a list answer: `{ [key]: [...], total }` (current versions), or a bare array (older ones
 * and unpaged endpoints).
 */
export function readPage(body: unknown, key: string, what: string): Page {
	const list = Array.isArray(body) ? body : isObject(body) ? body[key] : undefined;
	if (!Array.isArray(list)) {
		throw new ShapeError(`the ${what} list has no "${key}" array.`);
	}
	const items = list.filter(isObject);
	if (items.length !== list.length) throw new ShapeError(`the ${what} list holds non-objects.`);
	const total = isObject(body) && typeof body.total === 'number' ? body.total : null;
	return { items, total };
}

export interface RemoteUser {
	id: string;
	name: string;
	email: string;
	role: string;
	createdS: number | null;
	updatedS: number | null;
	lastActiveS: number | null;
}

export function readUser(item: Json): RemoteUser {
	const id = requireId(item, 'id', 'A user');
	return {
		id,
		name: str(item.name) ?? str(item.username) ?? '',
		email: str(item.email) ?? '',
		role: str(item.role) ?? 'user',
		createdS: toEpochSeconds(item.created_at),
		updatedS: toEpochSeconds(item.updated_at),
		lastActiveS: toEpochSeconds(item.last_active_at)
	};
}

/** A row of `/api/v1/chats/list/user/{id}`: enough to tell whether the chat changed. */
export interface ChatListItem {
	id: string;
	/** Raw `updated_at`, in seconds (0 when missing). */
	updatedS: number;
}

export function readChatList(body: unknown): ChatListItem[] {
	if (!Array.isArray(body)) throw new ShapeError('the chat list is not an array.');
	return body.map((item) => {
		if (!isObject(item)) throw new ShapeError('the chat list holds non-objects.');
		return { id: requireId(item, 'id', 'A chat in the list'), updatedS: seconds(item.updated_at) };
	});
}

/** Seconds, or 0 when absent: a stable value to compare a listing against what was imported. */
export function seconds(value: unknown): number {
	return toEpochSeconds(value) ?? 0;
}

/** Token usage in whichever shape the version wrote it, as prompt and completion counts. */
export interface Usage {
	promptTokens: number;
	completionTokens: number;
	durationMs: number | null;
}

function count(...values: unknown[]): number | undefined {
	for (const value of values) {
		const counted = externalCount(value);
		if (counted !== undefined) return counted;
	}
	return undefined;
}

/**
 * Normalizes `message.usage ?? message.info.usage ?? message.info` (Open WebUI's own fallback):
 * `input_tokens/output_tokens` (normalized), `prompt_tokens/completion_tokens` (OpenAI) or
 * `prompt_eval_count/eval_count` (Ollama, durations in ns). Null when none is there.
 */
export function readUsage(message: Json): Usage | null {
	const info = isObject(message.info) ? message.info : undefined;
	const candidates = [message.usage, info?.usage, info];
	for (const candidate of candidates) {
		if (!isObject(candidate)) continue;
		const prompt = count(
			candidate.input_tokens,
			candidate.prompt_tokens,
			candidate.prompt_eval_count
		);
		const completion = count(
			candidate.output_tokens,
			candidate.completion_tokens,
			candidate.eval_count
		);
		if (prompt === undefined && completion === undefined) continue;
		// Ollama's duration is in nanoseconds: convert before capping.
		const nanos = candidate.total_duration;
		const durationMs = typeof nanos === 'number' ? externalCount(nanos / 1e6) : undefined;
		return {
			promptTokens: prompt ?? 0,
			completionTokens: completion ?? 0,
			durationMs: durationMs ?? null
		};
	}
	return null;
}

/** The text length of `content` (a string, or a list of blocks with `text`). */
export function contentLength(content: unknown): number {
	if (typeof content === 'string') return content.length;
	if (Array.isArray(content)) {
		return content.reduce<number>(
			(sum, block) =>
				sum +
				(typeof block === 'string'
					? block.length
					: isObject(block) && typeof block.text === 'string'
						? block.text.length
						: 0),
			0
		);
	}
	return 0;
}
