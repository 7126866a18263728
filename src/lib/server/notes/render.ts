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
		// Text that looks like HTML stays text in every Markdown viewer (code is written as is).
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
			const backticks = node.textContent.match(/`{3,}/gm);
			const fence = backticks ? backticks.sort().slice(-1)[0] + '`' : '```';
			state.write(fence + infoString(node.attrs.language) + '\n');
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
	return href.replace(/[\s<>()"'`\\]/gu, (c) =>
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

/** A fence's language: one word, so it can neither leave the fence line nor close it. */
function infoString(language: unknown): string {
	return typeof language === 'string' ? language.replace(/[^\w+#.-]/g, '') : '';
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
