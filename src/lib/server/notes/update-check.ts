import * as Y from 'yjs';
import { NOTE_FIELD, noteSchema } from '#lib/shared/editor-schema.ts';

export type UpdateVerdict =
	| { ok: true; empty: boolean; structs: number }
	| { ok: false; code: 'malformed_update' | 'out_of_sync'; message: string };

/**
 * No clock or length in a note reaches this (4 billion characters from one editing session). Yjs
 * adds clocks and lengths as doubles: huge values from a crafted update (yjs #687) lose precision
 * and make its loops misbehave, so they are refused before anything else looks at them.
 */
export const MAX_CLOCK = 2 ** 32;

type Ref = { client: number; clock: number };

let names: { nodes: Set<string>; marks: Set<string> } | undefined;

/** The element and mark names a note may contain: exactly the editor schema's. */
function schemaNames() {
	if (!names) {
		const schema = noteSchema();
		names = {
			nodes: new Set(Object.keys(schema.nodes).filter((n) => n !== 'doc' && n !== 'text')),
			marks: new Set(Object.keys(schema.marks))
		};
	}
	return names;
}

const malformed = (message: string): UpdateVerdict => ({
	ok: false,
	code: 'malformed_update',
	message
});

/**
 * A first, cheap check of a Yjs update, without applying it anywhere (the trial on a scratch copy
 * comes after, see `trial.ts`):
 * - it decodes completely (garbage and truncated bytes throw inside Yjs, which would otherwise apply
 *   the part before the damage), with every clock and length below MAX_CLOCK;
 * - it only writes the note's fragment, with the editor schema's elements and marks, as the
 *   TipTap binding does (no other root types, maps, arrays or subdocuments);
 * - everything it refers to (origins, parents, deletions) is in the document or in the update
 *   itself, so it applies completely instead of waiting in Yjs's pending queue. A client that
 *   fell behind gets `out_of_sync` and resyncs.
 */
export function checkUpdate(doc: Y.Doc, update: Uint8Array): UpdateVerdict {
	let decoded: ReturnType<typeof Y.decodeUpdate>;
	try {
		decoded = Y.decodeUpdate(update);
	} catch {
		return malformed('The update could not be decoded.');
	}
	const { nodes, marks } = schemaNames();
	// The clock up to which each client's structs will exist once this update is applied.
	const available = new Map<number, number>();
	const known = (client: number) => available.get(client) ?? Y.getState(doc.store, client);

	for (const struct of decoded.structs) {
		const { client, clock } = struct.id;
		if (clock + struct.length > MAX_CLOCK) return malformed('The update is implausibly long.');
		const end = known(client);
		if (struct instanceof Y.Skip) {
			if (clock + struct.length > Y.getState(doc.store, client)) {
				return { ok: false, code: 'out_of_sync', message: 'The update skips changes.' };
			}
			continue;
		}
		if (clock > end) {
			return { ok: false, code: 'out_of_sync', message: 'The update depends on missing changes.' };
		}
		available.set(client, Math.max(end, clock + struct.length));
		if (!(struct instanceof Y.Item)) continue;
		const problem = checkItem(struct, nodes, marks);
		if (problem) return malformed(problem);
	}

	const refsOk = (ref: Ref | null) => !ref || ref.clock < known(ref.client);
	for (const struct of decoded.structs) {
		if (!(struct instanceof Y.Item)) continue;
		const parent = struct.parent as unknown;
		const parentRef = parent && typeof parent === 'object' ? (parent as Ref) : null;
		if (!refsOk(struct.origin) || !refsOk(struct.rightOrigin) || !refsOk(parentRef)) {
			return { ok: false, code: 'out_of_sync', message: 'The update depends on missing changes.' };
		}
	}
	for (const [client, deletions] of decoded.ds.clients) {
		for (const { clock, len } of deletions) {
			if (clock + len > MAX_CLOCK) return malformed('The update deletes implausibly much.');
			if (clock + len > known(client)) {
				return { ok: false, code: 'out_of_sync', message: 'The update deletes unknown content.' };
			}
		}
	}
	return {
		ok: true,
		empty: decoded.structs.length === 0 && decoded.ds.clients.size === 0,
		structs: decoded.structs.length
	};
}

function checkItem(item: Y.Item, nodes: Set<string>, marks: Set<string>): string | null {
	const parent = item.parent as unknown;
	if (typeof parent === 'string' && parent !== NOTE_FIELD) return `Unknown root "${parent}".`;
	const content = item.content;
	if (content instanceof Y.ContentType) {
		const type = content.type;
		if (type instanceof Y.XmlElement) {
			return nodes.has(type.nodeName) ? null : `Unknown element "${type.nodeName}".`;
		}
		return type instanceof Y.XmlText ? null : 'Only elements and text belong in a note.';
	}
	if (content instanceof Y.ContentFormat) {
		const mark = content.key.split('--')[0];
		return marks.has(mark) ? null : `Unknown mark "${mark}".`;
	}
	if (
		content instanceof Y.ContentString ||
		content instanceof Y.ContentAny ||
		content instanceof Y.ContentDeleted
	) {
		return null;
	}
	return 'Unsupported content in a note.';
}
