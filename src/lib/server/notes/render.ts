/**
 * Notes as other formats, rendered on the server from the Yjs document with the shared editor
 * schema: Markdown (prosemirror-markdown), HTML (TipTap's server renderer) and plain-text previews.
 */
import { generateHTML } from '@tiptap/html/server';
import type { Mark, Node } from '@tiptap/pm/model';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import {
	defaultMarkdownSerializer,
	MarkdownSerializer,
	type MarkdownSerializerState
} from 'prosemirror-markdown';
import * as Y from 'yjs';
import { NOTE_FIELD, noteExtensions, noteSchema } from '#lib/shared/editor-schema.ts';

const PREVIEW_CHARS = 200;
const SAFE_HREF = /^(https?:|mailto:|\/|#)/i;
const base = defaultMarkdownSerializer.nodes;
const baseMarks = defaultMarkdownSerializer.marks;

const markdown = new MarkdownSerializer(
	{
		blockquote: base.blockquote,
		heading: base.heading,
		paragraph: base.paragraph,
		text: base.text,
		horizontalRule: (state, node) => {
			state.write('---');
			state.closeBlock(node);
		},
		hardBreak: base.hard_break,
		bulletList: (state, node) => state.renderList(node, '  ', () => '- '),
		orderedList: (state, node) => orderedList(state, node),
		listItem: base.list_item,
		taskList: (state, node) => state.renderList(node, '  ', () => '- '),
		taskItem: (state, node) => {
			state.write(node.attrs.checked ? '[x] ' : '[ ] ');
			state.renderContent(node);
		},
		codeBlock: (state, node) => {
			const backticks = node.textContent.match(/`{3,}/gm);
			const fence = backticks ? backticks.sort().slice(-1)[0] + '`' : '```';
			state.write(fence + ((node.attrs.language as string | null) ?? '') + '\n');
			state.text(node.textContent, false);
			state.write('\n');
			state.write(fence);
			state.closeBlock(node);
		}
	},
	{
		italic: baseMarks.em,
		bold: baseMarks.strong,
		strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
		code: baseMarks.code,
		link: {
			open: (state, mark: Mark, parent: Node, index: number) =>
				safe(mark) ? (baseMarks.link.open as LinkFn)(state, mark, parent, index) : '',
			close: (state, mark: Mark, parent: Node, index: number) =>
				safe(mark) ? (baseMarks.link.close as LinkFn)(state, mark, parent, index) : '',
			mixable: true
		}
	}
);

type LinkFn = (state: MarkdownSerializerState, mark: Mark, parent: Node, index: number) => string;

function safe(mark: Mark): boolean {
	return SAFE_HREF.test(String(mark.attrs.href ?? ''));
}

/** Ordered lists honour TipTap's `start` attribute (prosemirror-markdown's default reads `order`). */
function orderedList(state: MarkdownSerializerState, node: Node): void {
	const start = (node.attrs.start as number | undefined) ?? 1;
	const width = String(start + node.childCount - 1).length;
	state.renderList(node, ' '.repeat(width + 2), (i) => {
		const n = String(start + i);
		return ' '.repeat(width - n.length) + n + '. ';
	});
}

/**
 * The note as a ProseMirror document. Reads a copy: y-prosemirror deletes elements it cannot
 * convert, which must never happen to the live document behind the editors' backs.
 */
export function toProseMirror(doc: Y.Doc): Node {
	const copy = new Y.Doc({ gc: false });
	try {
		Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
		return yXmlFragmentToProseMirrorRootNode(copy.getXmlFragment(NOTE_FIELD), noteSchema());
	} finally {
		copy.destroy();
	}
}

export function toMarkdown(doc: Y.Doc): string {
	const text = markdown.serialize(toProseMirror(doc), { tightLists: true });
	return text ? `${text}\n` : '';
}

/** The note as a standalone HTML page. */
export function toHtmlPage(doc: Y.Doc, title: string): string {
	const body = generateHTML(toProseMirror(doc).toJSON(), noteExtensions());
	return (
		`<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n` +
		`</head>\n<body>\n${body}\n</body>\n</html>\n`
	);
}

function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c
	);
}

/**
 * Plain text from the start of the note for lists, read straight from the Yjs tree (no
 * ProseMirror conversion, so it stays cheap for big notes): blocks separated by spaces,
 * whitespace collapsed, at most 200 characters.
 */
export function previewText(doc: Y.Doc): string {
	let out = '';
	const visit = (node: Y.XmlFragment | Y.XmlElement): boolean => {
		for (const child of node.toArray()) {
			if (child instanceof Y.XmlText) {
				for (const op of child.toDelta() as { insert?: unknown }[]) {
					if (typeof op.insert === 'string') out += op.insert;
				}
			} else if (child instanceof Y.XmlElement) {
				if (visit(child)) return true;
				out += ' ';
			}
			if (out.length > PREVIEW_CHARS * 2) return true;
		}
		return false;
	};
	visit(doc.getXmlFragment(NOTE_FIELD));
	const text = out.replace(/\s+/g, ' ').trim();
	return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}
