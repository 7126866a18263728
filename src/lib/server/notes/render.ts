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
import { PiecewiseState } from './markdown-state.ts';
import { renderCopy, walk } from './repair.ts';

const PREVIEW_CHARS = 200;
const SAFE_HREF = /^(https?:|mailto:|\/|#)/i;
/** A code block's language as a fence's info string may carry it: one word, nothing that ends the line. */
const LANGUAGE = /^[\w+#.-]{1,40}$/;
const base = defaultMarkdownSerializer.nodes;
const baseMarks = defaultMarkdownSerializer.marks;

const markdown = new MarkdownSerializer(
	{
		blockquote: base.blockquote,
		heading: base.heading,
		paragraph: base.paragraph,
		// Text that looks like HTML stays text in every Markdown viewer, as entities: a backslash
		// escape would not survive a viewer that autolinks a URL right before it (GFM).
		text: (state, node) => state.text(htmlAsText(node.text ?? '')),
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
			// Longer than any run of backticks inside, so no line of the code can close it.
			const longest = Math.max(0, ...(node.textContent.match(/`+/g) ?? []).map((r) => r.length));
			const fence = '`'.repeat(Math.max(3, longest + 1));
			const language = String(node.attrs.language ?? '');
			state.write(fence + (LANGUAGE.test(language) ? language : '') + '\n');
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
		// Always `[text](target)`, never an autolink, whose text would be written unescaped.
		link: {
			open: (_state, mark: Mark) => (safe(mark) ? '[' : ''),
			close: (_state, mark: Mark) =>
				safe(mark) ? `](${destination(String(mark.attrs.href))}${linkTitle(mark)})` : '',
			mixable: true
		}
	}
);

function safe(mark: Mark): boolean {
	return SAFE_HREF.test(String(mark.attrs.href ?? ''));
}

/** `<` and entity-like `&` as entities: never a tag, an autolink or a character reference. */
function htmlAsText(text: string): string {
	return text.replace(/<|&(?=#?\w+;)/g, (c) => (c === '<' ? '&lt;' : '&amp;'));
}

/** A link target with everything that could end the link or open a tag percent-encoded. */
function destination(href: string): string {
	return href.replace(/[\p{Cc}\s<>()"'`\\]/gu, (c) =>
		c.charCodeAt(0) < 0x80
			? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
			: encodeURIComponent(c)
	);
}

function linkTitle(mark: Mark): string {
	if (!mark.attrs.title) return '';
	const title = htmlAsText(String(mark.attrs.title).replace(/\s+/g, ' ')).replace(/["\\]/g, '\\$&');
	return ` "${title}"`;
}

/** Ordered lists honour TipTap's `start` attribute (prosemirror-markdown's default reads `order`). */
function orderedList(state: MarkdownSerializerState, node: Node): void {
	const start = Number.isSafeInteger(node.attrs.start) ? (node.attrs.start as number) : 1;
	const width = String(start + node.childCount - 1).length;
	state.renderList(node, ' '.repeat(width + 2), (i) => {
		const n = String(start + i);
		return ' '.repeat(width - n.length) + n + '. ';
	});
}

/**
 * The note as a ProseMirror document. Reads a copy: y-prosemirror deletes elements it cannot
 * convert, which must never happen to the live document behind the editors' backs. The copy holds
 * only what fits the schema, nesting included (`renderCopy`), so whatever a note holds from before
 * the checks, it renders.
 */
export function toProseMirror(doc: Y.Doc): Node {
	const copy = renderCopy(doc);
	try {
		return yXmlFragmentToProseMirrorRootNode(copy.getXmlFragment(NOTE_FIELD), noteSchema());
	} finally {
		copy.destroy();
	}
}

export function toMarkdown(doc: Y.Doc): string {
	const state = new PiecewiseState(markdown.nodes, markdown.marks, { tightLists: true });
	state.renderContent(toProseMirror(doc));
	const text = state.markdown();
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
	walk(doc.getXmlFragment(NOTE_FIELD), (node) => {
		if (out.length > PREVIEW_CHARS * 2) return 'stop';
		if (node instanceof Y.XmlElement) out += ' ';
		else {
			for (const op of node.toDelta() as { insert?: unknown }[]) {
				if (typeof op.insert === 'string') out += op.insert;
			}
		}
	});
	const text = out.replace(/\s+/g, ' ').trim();
	return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}
