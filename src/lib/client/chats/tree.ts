import type { ChatDelta, ChatMessageDto } from '#lib/shared/chats.ts';

/**
 * Pure functions over a chat's message tree as the browser holds it: every message of every branch
 * in one flat list. ChatSession keeps its state with these; they are tested on their own.
 */

/** Oldest first; ids (UUIDv7, time-ordered) break ties. */
export function byCreation(a: ChatMessageDto, b: ChatMessageDto): number {
	if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The messages from the root down to `leafId`, in order; empty when the leaf is unknown. */
export function pathTo(messages: ChatMessageDto[], leafId: string | null): ChatMessageDto[] {
	if (!leafId) return [];
	const byId = new Map(messages.map((m) => [m.id, m]));
	const path: ChatMessageDto[] = [];
	for (
		let node = byId.get(leafId);
		node && path.length <= messages.length; // a cycle would be a bug; never loop forever
		node = node.parentId ? byId.get(node.parentId) : undefined
	) {
		path.push(node);
	}
	return path.reverse();
}

/** The children of each message, oldest first; root messages are under the key `''`. */
export type ChildIndex = Map<string, ChatMessageDto[]>;

export function childIndex(messages: ChatMessageDto[]): ChildIndex {
	const index: ChildIndex = new Map();
	for (const message of messages) {
		const key = message.parentId ?? '';
		const list = index.get(key);
		if (list) list.push(message);
		else index.set(key, [message]);
	}
	for (const list of index.values()) list.sort(byCreation);
	return index;
}

/** Where a message sits among its versions (siblings with the same parent), for ‹ 2 / 3 › arrows. */
export interface Versions {
	/** 1-based position. */
	position: number;
	count: number;
	previousId: string | null;
	nextId: string | null;
}

export function versionsOf(index: ChildIndex, message: ChatMessageDto): Versions {
	const siblings = index.get(message.parentId ?? '') ?? [message];
	const at = Math.max(
		0,
		siblings.findIndex((m) => m.id === message.id)
	);
	return {
		position: at + 1,
		count: siblings.length,
		previousId: siblings[at - 1]?.id ?? null,
		nextId: siblings[at + 1]?.id ?? null
	};
}

/** Follows the newest child from `id` down to a leaf: where switching to a version lands. */
export function newestLeafUnder(index: ChildIndex, id: string): string {
	let current = id;
	for (let depth = 0; depth <= index.size; depth++) {
		const newest = index.get(current)?.at(-1);
		if (!newest) return current;
		current = newest.id;
	}
	return current;
}

/**
 * Merges one message into the list. Final states (done, stopped, error, interrupted) replace what
 * the tab has; a still-streaming copy never shortens text the tab already assembled from deltas.
 */
export function upsertMessage(
	messages: ChatMessageDto[],
	incoming: ChatMessageDto
): { messages: ChatMessageDto[]; isNew: boolean } {
	const at = messages.findIndex((m) => m.id === incoming.id);
	if (at === -1) {
		const next = [...messages, incoming];
		const last = messages.at(-1);
		if (last && byCreation(last, incoming) > 0) next.sort(byCreation);
		return { messages: next, isNew: true };
	}
	const next = [...messages];
	next[at] = merge(messages[at], incoming);
	return { messages: next, isNew: false };
}

function merge(have: ChatMessageDto, incoming: ChatMessageDto): ChatMessageDto {
	if (incoming.status !== 'streaming' || have.status !== 'streaming') return incoming;
	return {
		...incoming,
		content: longer(have.content, incoming.content),
		reasoning: longer(have.reasoning, incoming.reasoning)
	};
}

/** `have` when it extends `incoming` (deltas the copy had not seen yet), else `incoming`. */
function longer(have: string, incoming: string): string {
	return have.length > incoming.length && have.startsWith(incoming) ? have : incoming;
}

/**
 * A fresh snapshot replaces the tab's messages, except that text assembled from deltas newer than
 * the snapshot is kept, and messages the snapshot does not have yet (created while it was on its
 * way) stay.
 */
export function mergeSnapshot(
	local: ChatMessageDto[],
	snapshot: ChatMessageDto[]
): ChatMessageDto[] {
	const fresh = new Map(snapshot.map((m) => [m.id, m]));
	const merged = snapshot.map((m) => {
		const have = local.find((l) => l.id === m.id);
		return have ? merge(have, m) : m;
	});
	for (const m of local) if (!fresh.has(m.id)) merged.push(m);
	return merged.sort(byCreation);
}

export type DeltaOutcome =
	| { kind: 'applied'; message: ChatMessageDto }
	/** Everything in it is already there (a repeat). */
	| { kind: 'duplicate' }
	/** It starts past the end of the text: something was missed, so reload the chat. */
	| { kind: 'gap' };

/** Applies a streamed piece at its offset, idempotently. */
export function applyDelta(message: ChatMessageDto, delta: ChatDelta): DeltaOutcome {
	const have = message[delta.field];
	if (delta.offset > have.length) return { kind: 'gap' };
	const end = delta.offset + delta.text.length;
	if (end <= have.length) return { kind: 'duplicate' };
	return {
		kind: 'applied',
		message: { ...message, [delta.field]: have + delta.text.slice(have.length - delta.offset) }
	};
}
