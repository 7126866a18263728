/**
 * Repairs for notes stored before updates were checked as strictly as now (a link whose `href` is
 * a number, an attribute TipTap does not know, nesting a thousand levels deep). Notes load and
 * export through these, so a bad update that got in once does not break the note for everyone.
 * Everything here walks the Yjs tree with an explicit stack: no recursion, whatever the depth.
 */
import type { NodeType } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { NOTE_FIELD, noteSchema } from '#lib/shared/editor-schema.ts';
import { coerceAttr, markProblem, MAX_NESTING, noteRules } from './schema-rules.ts';

type Branch = Y.XmlFragment | Y.XmlElement;

/**
 * Visits every element and text node below `root` in document order; `visit` gets each with its
 * depth (children of the note's fragment are 1) and returns false to skip an element's children,
 * or 'stop' to end the walk.
 */
export function walk(
	root: Branch,
	visit: (node: Y.XmlElement | Y.XmlText, depth: number) => boolean | 'stop' | undefined
): void {
	const stack: { item: Y.Item | null; depth: number }[] = [{ item: root._start, depth: 1 }];
	while (stack.length) {
		const top = stack[stack.length - 1];
		const item = top.item;
		if (!item) {
			stack.pop();
			continue;
		}
		top.item = item.right;
		if (item.deleted || !(item.content instanceof Y.ContentType)) continue;
		const node = item.content.type;
		if (!(node instanceof Y.XmlText) && !(node instanceof Y.XmlElement)) continue;
		const next = visit(node, top.depth);
		if (next === 'stop') return;
		if (node instanceof Y.XmlElement && next !== false) {
			stack.push({ item: node._start, depth: top.depth + 1 });
		}
	}
}

/**
 * Makes every attribute fit the editor schema, in place and in one transaction: element attributes
 * of the wrong type are coerced (a number `href` becomes a string) or removed, unknown ones
 * removed; a mark with an unknown name, unknown attributes or values of the wrong type is dropped
 * from its text. Returns how many things it changed (0 for every note written since the checks).
 */
export function repairAttributes(doc: Y.Doc, origin: unknown = null): number {
	const { nodes } = noteRules();
	let fixes = 0;
	doc.transact(() => {
		walk(doc.getXmlFragment(NOTE_FIELD), (node) => {
			if (node instanceof Y.XmlText) {
				fixes += dropBadMarks(node);
				return;
			}
			const kinds = nodes.get(node.nodeName);
			for (const [name, value] of Object.entries(node.getAttributes())) {
				const kind = kinds?.get(name);
				const fitted = kind ? coerceAttr(kind, value) : undefined;
				if (fitted === value) continue;
				fixes += 1;
				if (fitted === undefined) node.removeAttribute(name);
				else node.setAttribute(name, fitted as string);
			}
		});
	}, origin);
	return fixes;
}

/** Deletes the format items whose mark does not fit: the text then has the marks it had before. */
function dropBadMarks(text: Y.XmlText): number {
	const bad: Y.Item[] = [];
	for (let item = text._start; item; item = item.right) {
		const { content } = item;
		if (!item.deleted && content instanceof Y.ContentFormat) {
			if (markProblem(content.key, content.value)) bad.push(item);
		}
	}
	const transaction = text.doc?._transaction;
	if (transaction) for (const item of bad) item.delete(transaction);
	return bad.length;
}

/**
 * A copy of the note made to render, rebuilt from its tree rather than from its updates: only
 * what the schema knows (unknown elements, attributes and marks left out, attributes coerced), and
 * nothing nested deeper than MAX_NESTING (only a note stored before nesting was bounded has that):
 * an element at that depth keeps its type, but its content becomes the plain text of everything
 * below it, in the blocks its type needs (a list gets one item with a paragraph). Copying a deep
 * tree with Yjs itself would recurse once per level, as would deleting it.
 */
export function renderCopy(doc: Y.Doc): Y.Doc {
	const schema = noteSchema();
	const { nodes } = noteRules();
	type Node = Y.XmlElement | Y.XmlText;
	const top: Node[] = [];
	const children = new Map<Y.XmlElement, Node[]>();
	// The copy of the element open at each depth (index 0: the fragment).
	const open: (Y.XmlElement | null)[] = [null];
	walk(doc.getXmlFragment(NOTE_FIELD), (node, depth) => {
		const parent = open[depth - 1];
		const siblings = parent ? (children.get(parent) ?? []) : top;
		if (parent) children.set(parent, siblings);
		if (node instanceof Y.XmlText) {
			siblings.push(textCopy(node));
			return;
		}
		const kinds = nodes.get(node.nodeName);
		if (!kinds) return false;
		const copy = new Y.XmlElement(node.nodeName);
		for (const [name, value] of Object.entries(node.getAttributes())) {
			const kind = kinds.get(name);
			const fitted = kind ? coerceAttr(kind, value) : undefined;
			if (fitted !== undefined && fitted !== null) copy.setAttribute(name, fitted as string);
		}
		siblings.push(copy);
		open[depth] = copy;
		const type = schema.nodes[node.nodeName];
		const deeper = node.toArray().some((c) => c instanceof Y.XmlElement && c.length > 0);
		if (depth < MAX_NESTING || type.isTextblock || !deeper) return true;
		children.set(copy, [wrapped(type, plainText(node))]);
		return false;
	});
	for (const [element, nodesInside] of children) element.insert(0, nodesInside);
	const copy = new Y.Doc({ gc: false });
	copy.getXmlFragment(NOTE_FIELD).insert(0, top);
	return copy;
}

/** A text node's copy with only the marks that fit. */
function textCopy(text: Y.XmlText): Y.XmlText {
	const delta = (text.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[])
		.filter((op) => typeof op.insert === 'string')
		.map(({ insert, attributes }) => {
			const marks = Object.entries(attributes ?? {}).filter(([k, v]) => !markProblem(k, v));
			return marks.length ? { insert, attributes: Object.fromEntries(marks) } : { insert };
		});
	const copy = new Y.XmlText();
	copy.applyDelta(delta);
	return copy;
}

/**
 * The text below `element`, its text nodes joined with spaces: line breaks inside a nested block
 * make prosemirror-markdown quadratic (each line reads the last character of a growing string).
 */
function plainText(element: Y.XmlElement): string {
	const lines: string[] = [];
	walk(element, (node) => {
		if (node instanceof Y.XmlText) {
			const line = (node.toDelta() as { insert?: unknown }[])
				.map((op) => (typeof op.insert === 'string' ? op.insert : ''))
				.join('');
			if (line) lines.push(line);
		}
	});
	return lines.join(' ');
}

/** `text` inside the chain of default children `type` needs down to a text block. */
function wrapped(type: NodeType, text: string): Y.XmlElement | Y.XmlText {
	const chain: NodeType[] = [];
	for (let t: NodeType | null = type; t && !t.isTextblock;) {
		t = t.contentMatch.defaultType;
		if (t) chain.push(t);
	}
	let node: Y.XmlElement | Y.XmlText = new Y.XmlText(text);
	for (const t of chain.reverse()) {
		const element = new Y.XmlElement(t.name);
		element.insert(0, [node]);
		node = element;
	}
	return node;
}
