import * as Y from 'yjs';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import { attributeProblem, markProblem, MAX_NESTING, noteRules } from './schema-rules.ts';

/**
 * Checks what a transaction added to a document against the editor schema, the way the TipTap
 * binding writes a note: elements (of the schema's names) and text nodes in the note's fragment,
 * strings and marks (of the schema's names and attribute types) in text nodes, attributes (of the
 * element's own names and types) on elements, nesting at most MAX_NESTING deep. It reads the
 * integrated structs, so parents and attribute keys are the ones Yjs resolved (an item that names
 * only its left neighbour takes that neighbour's parent and key). Returns the first problem, or null.
 */
export function inspectChanges(
	doc: Y.Doc,
	before: Map<number, number>,
	after: Map<number, number>
): string | null {
	const root = doc.getXmlFragment(NOTE_FIELD);
	for (const [client, end] of after) {
		const start = before.get(client) ?? 0;
		if (end <= start) continue;
		const structs = doc.store.clients.get(client);
		if (!structs) continue;
		for (let i = Y.findIndexSS(structs, start); i < structs.length; i++) {
			const struct = structs[i];
			if (!(struct instanceof Y.Item) || struct.deleted) continue;
			const problem = inspectItem(struct, root);
			if (problem) return problem;
		}
	}
	return null;
}

function inspectItem(item: Y.Item, root: Y.XmlFragment): string | null {
	const parent = item.parent;
	if (!(parent instanceof Y.AbstractType)) return null;
	// How deep the parent sits below the note's fragment (the fragment itself is 0).
	let depth = 0;
	let top: Y.AbstractType<unknown> = parent;
	while (top._item) {
		depth += 1;
		if (depth > MAX_NESTING) return tooDeep();
		top = top._item.parent as Y.AbstractType<unknown>;
	}
	if (top !== root) return 'A note only has its own content.';
	const { content } = item;
	const key = item.parentSub;
	if (content instanceof Y.ContentAny) {
		if (key === null || !(parent instanceof Y.XmlElement) || content.arr.length !== 1) {
			return 'Only elements carry attributes.';
		}
		return attributeProblem(parent.nodeName, key, content.arr[0]);
	}
	if (key !== null) return 'Attributes hold plain values only.';
	if (content instanceof Y.ContentString) {
		return parent instanceof Y.XmlText ? null : 'Text belongs in text nodes.';
	}
	if (content instanceof Y.ContentFormat) {
		return parent instanceof Y.XmlText
			? markProblem(content.key, content.value)
			: 'Marks belong on text.';
	}
	if (content instanceof Y.ContentType) {
		if (parent instanceof Y.XmlText) return 'Text nodes hold only text.';
		const { type } = content;
		if (type instanceof Y.XmlElement) {
			if (!noteRules().nodes.has(type.nodeName)) return `Unknown element "${type.nodeName}".`;
			return depth + 1 > MAX_NESTING ? tooDeep() : null;
		}
		return type instanceof Y.XmlText ? null : 'Only elements and text belong in a note.';
	}
	if (content instanceof Y.ContentDeleted) return null;
	return 'Unsupported content in a note.';
}

function tooDeep(): string {
	return `Elements may nest at most ${MAX_NESTING} levels deep.`;
}
