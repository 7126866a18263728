import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import { previewText, toHtmlPage, toMarkdown } from './render.ts';

/** A document built with `build` (elements are inserted as they are made, one level at a time). */
function note(build: (fragment: Y.XmlFragment) => void): Y.Doc {
	const doc = new Y.Doc();
	doc.transact(() => build(doc.getXmlFragment(NOTE_FIELD)));
	return doc;
}

function append(parent: Y.XmlFragment | Y.XmlElement, name: string, text?: string): Y.XmlElement {
	const element = new Y.XmlElement(name);
	parent.insert(parent.length, [element]);
	if (text !== undefined) element.insert(0, [new Y.XmlText(text)]);
	return element;
}

describe('Markdown export', () => {
	it('writes text that looks like HTML as text, as entities, also right after a URL', () => {
		const doc = note((f) => {
			append(f, 'paragraph', '<script>alert(1)</script> & &amp; <b>x</b>');
			append(f, 'paragraph', 'https://a.example/<img src=x onerror=alert(1)>');
		});
		expect(toMarkdown(doc)).toBe(
			'&lt;script>alert(1)&lt;/script> & &amp;amp; &lt;b>x&lt;/b>\n\n' +
				'https://a.example/&lt;img src=x onerror=alert(1)>\n'
		);
	});

	it('fences code with more backticks than it holds, and drops a language that is not a word', () => {
		const doc = note((f) => {
			const code = append(f, 'codeBlock', 'a ```` b\n```\n<script>');
			code.setAttribute('language', 'js\n```\n<img src=x onerror=alert(1)>');
			append(f, 'codeBlock', 'plain').setAttribute('language', 'ts');
		});
		expect(toMarkdown(doc)).toBe(
			['`````', 'a ```` b', '```', '<script>', '`````', '', '```ts', 'plain', '```', ''].join('\n')
		);
	});

	it('prefixes every line inside quotes and lists, code blocks included', () => {
		const doc = note((f) => {
			const quote = append(f, 'blockquote');
			append(quote, 'paragraph', 'quoted!');
			append(quote, 'codeBlock', 'line one\n\n[x] two!\n  three');
			const item = append(append(quote, 'bulletList'), 'listItem');
			append(item, 'paragraph', 'item');
			append(item, 'codeBlock', 'a\nb');
			const inner = append(item, 'blockquote');
			append(inner, 'paragraph', 'deep');
			append(inner, 'paragraph', 'deeper');
			append(f, 'paragraph', 'after');
		});
		expect(toMarkdown(doc)).toBe(
			[
				'> quoted!',
				'>',
				'> ```',
				'> line one',
				'> ',
				'> [x] two!',
				'>   three',
				'> ```',
				'>',
				'> - item',
				'>',
				'>   ```',
				'>   a',
				'>   b',
				'>   ```',
				'>',
				'>   > deep',
				'>   >',
				'>   > deeper',
				'',
				'after',
				''
			].join('\n')
		);
	});

	it('writes long quoted text whole, in order (the output is kept in pieces)', () => {
		const lines = Array.from({ length: 5000 }, (_, i) => `const x${i} = ${i};`);
		const doc = note((f) => {
			const quote = append(f, 'blockquote');
			append(quote, 'codeBlock', lines.join('\n'));
			for (const line of lines.slice(0, 1000)) append(quote, 'paragraph', line);
		});
		const paragraphs = lines.slice(0, 1000).flatMap((line) => ['>', `> ${line}`]);
		expect(toMarkdown(doc)).toBe(
			['> ```', ...lines.map((line) => `> ${line}`), '> ```', ...paragraphs, ''].join('\n')
		);
	});

	it('keeps link destinations and titles on their line, and leaves out unsafe ones', () => {
		const doc = note((f) => {
			const text = append(f, 'paragraph', 'one two three').get(0) as Y.XmlText;
			text.format(0, 3, { link: { href: 'https://e.com/a b\n<x>', title: 'T\n# h' } });
			text.format(8, 5, { link: { href: 'javascript:alert(1)' } });
		});
		expect(toMarkdown(doc)).toBe('[one](https://e.com/a%20b%0A%3Cx%3E "T # h") two three\n');
	});

	it('renders attributes of the wrong type, and unknown ones, without failing', () => {
		const doc = note((f) => {
			const heading = append(f, 'heading', 'Title');
			heading.setAttribute('level', '2' as never);
			heading.setAttribute('onclick', 'alert(1)');
			const text = append(f, 'paragraph', 'a link').get(0) as Y.XmlText;
			text.format(2, 4, { link: { href: 5 } });
			append(f, 'orderedList').setAttribute('start', { x: 1 } as never);
		});
		expect(toMarkdown(doc)).toBe('## Title\n\na link\n');
		expect(toHtmlPage(doc, 'x')).toContain('<h2>Title</h2><p>a link</p>');
	});

	it('exports a note nested 3,000 levels deep, flattened below 100 levels', () => {
		const doc = note((f) => {
			let parent = append(f, 'bulletList');
			for (let i = 0; i < 1500; i++) {
				const item = append(parent, 'listItem');
				append(item, 'paragraph', `level ${i}`);
				parent = append(item, 'bulletList');
			}
			append(append(parent, 'listItem'), 'paragraph', 'the bottom');
		});
		const md = toMarkdown(doc);
		expect(md).toMatch(/^- level 0\n {2}- level 1\n/);
		expect(md).toContain('level 1499');
		expect(md).toContain('the bottom');
		expect(toHtmlPage(doc, 'deep')).toContain('the bottom');
		expect(previewText(doc)).toMatch(/^level 0 level 1 level 2/);
	});
});
