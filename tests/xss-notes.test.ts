/**
 * The XSS corpus (tests/xss/corpus.ts) through notes, in Chromium against the production build
 * with its CSP on: titles (list, search, header, trash), bodies typed, pasted as HTML and linked
 * through the editor's own dialog, hostile link targets, titles, attributes and code languages
 * written straight into the Yjs document (no editor to refuse them), collaborators' names on carets, in presence and in the share dialog, list
 * previews, and both exports opened from disk (no CSP there) — Markdown through a renderer that
 * passes raw HTML through, as many viewers do. The oracle (tests/xss/oracle.ts) must stay silent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { Marked } from 'marked';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { NOTE_FIELD } from '#lib/shared/editor-schema.ts';
import { anotherTab, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { NOTE_TEST_LIMITS, RawNoteClient } from './helpers/notes.ts';
import {
	HREFS,
	LANGUAGES,
	MARKDOWN_CORPUS,
	MARKUP,
	pack,
	shortVectors,
	type Vector
} from './xss/corpus.ts';
import { launchChromium, openApp } from './xss/browser.ts';
import { XssWatch } from './xss/oracle.ts';
import { useParley } from './helpers/kit.ts';

let browser: Browser;
let ada: TestUser;
/** A collaborator whose display name is hostile. */
let mal: TestUser;
let watch: XssWatch;
let files: XssWatch;
let folder: string;

const MAL_NAME = shortVectors(64, MARKUP)[1].text;

const server = useParley(
	{ env: { ...RELAXED_LIMITS, ...NOTE_TEST_LIMITS } },
	async (kit) => {
		folder = mkdtempSync(path.join(tmpdir(), 'parley-xss-'));
		kit.own({ close: () => rmSync(folder, { recursive: true, force: true }) });
		browser = kit.own(await launchChromium());
		ada = await kit.user('Ada');
		mal = await kit.user(MAL_NAME);
		watch = kit.own(
			await XssWatch.open(browser, { baseURL: kit.url, session: ada.http.sessionToken })
		);
		// Exported files are all rendered text.
		files = kit.own(await XssWatch.open(browser, { containers: ['body'] }));
	},
	60_000
);

const editor = (page: Page) => page.getByRole('textbox', { name: 'Note content' });

describe('note titles', () => {
	it('render harmlessly in the list, the header and the trash', async () => {
		const titles = pack(shortVectors(200), 200);
		const notes = [];
		for (const title of titles) notes.push(await ok(ada.socket, 'note:create', { title }));
		await ok(ada.socket, 'note:delete', { noteId: notes[0].id });

		const page = await watch.newPage();
		await openApp(page, '/notes');
		await page
			.getByRole('link', { name: titles.at(-1) })
			.first()
			.waitFor();
		expect(await watch.problems()).toEqual([]);
		// A search for a hostile title, echoed back when nothing matches.
		const search = page.getByPlaceholder('Search by title');
		await search.fill(`${MARKUP[0].text} no such title`);
		await page.getByText('No note titles match').waitFor();
		await search.fill('');
		await openApp(page, `/notes/${notes[1].id}`);
		await editor(page).waitFor();
		await page.getByRole('button', { name: 'Trash (1)' }).click();
		await page.getByRole('list', { name: 'Trash' }).getByText(titles[0]).waitFor();
		expect(await watch.problems()).toEqual([]);
		await page.close();
	});
});

/** Writes paragraphs straight into the note's Yjs document, as a client with no editor would. */
async function writeRaw(noteId: string): Promise<void> {
	const socket = await anotherTab(ada);
	const raw = new RawNoteClient(socket, noteId);
	const joined = await raw.join();
	if (!joined.ok) throw new Error(`join failed: ${joined.error.code}`);
	const attributes = shortVectors(120, MARKUP);
	const verdict = await raw.edit((doc) => {
		const fragment = doc.getXmlFragment(NOTE_FIELD);
		const paragraph = (text: string, format?: Record<string, unknown>) => {
			const element = new Y.XmlElement('paragraph');
			fragment.insert(fragment.length, [element]);
			const node = new Y.XmlText();
			element.insert(0, [node]);
			node.insert(0, text, format);
		};
		for (const href of HREFS) {
			paragraph(`link ${href.id}`, { link: { href: href.text } });
			// Text that is its own target: prosemirror-markdown would write an autolink.
			paragraph(href.text, { link: { href: href.text } });
		}
		// Titles over several lines, one with a blank line in it.
		for (const value of LANGUAGES) {
			paragraph(`title ${value.id}`, { link: { href: 'https://a.example/', title: value.text } });
		}
		for (const [i, value] of attributes.entries()) {
			const attribute = ['target', 'rel', 'class', 'title'][i % 4];
			paragraph(`attribute ${value.id}`, {
				link: { href: 'https://a.example/', [attribute]: value.text }
			});
		}
		for (const value of [...LANGUAGES, ...attributes.slice(0, 40)]) {
			const block = new Y.XmlElement('codeBlock');
			fragment.insert(fragment.length, [block]);
			block.setAttribute('language', value.text);
			const code = new Y.XmlText();
			block.insert(0, [code]);
			code.insert(0, `code ${value.id}`);
		}
		for (const vector of MARKDOWN_CORPUS) paragraph(vector.text);
	});
	raw.close();
	socket.disconnect();
	if (!verdict.ok) throw new Error(`raw edit refused: ${verdict.error.code}`);
}

/** Pastes each snippet as HTML at the end of the note, as a browser's clipboard would hand it. */
async function pasteEach(page: Page, vectors: readonly Vector[]): Promise<void> {
	await editor(page).click();
	await page.keyboard.press('Control+End');
	await page.evaluate(
		(htmls) => {
			const target = document.querySelector('.ProseMirror');
			for (const html of htmls) {
				const clipboardData = new DataTransfer();
				clipboardData.setData('text/html', html);
				clipboardData.setData('text/plain', html);
				target?.dispatchEvent(
					new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true })
				);
			}
		},
		vectors.map((v) => v.text)
	);
}

async function exportAs(noteId: string, format: 'md' | 'html'): Promise<string> {
	const response = await ada.http.request(`/api/v1/notes/${noteId}/export?format=${format}`);
	expect(response.status).toBe(200);
	return response.text();
}

/** Opens a file from disk in the browser and waits for it to load. */
async function openFile(name: string, html: string): Promise<void> {
	const file = path.join(folder, name);
	writeFileSync(file, html);
	const page = await files.newPage();
	await page.goto(pathToFileURL(file).href);
}

describe('note bodies', () => {
	it('render harmlessly whatever is typed, pasted or written into the document, and so do both exports', async () => {
		const note = await ok(ada.socket, 'note:create', { title: 'Hostile body' });
		await ok(ada.socket, 'note:share', { noteId: note.id, userId: mal.id, role: 'editor' });
		await writeRaw(note.id);

		const page = await watch.newPage();
		await openApp(page, `/notes/${note.id}`);
		const lastCode = `code ${shortVectors(120, MARKUP)[39].id}`;
		await editor(page).getByText(lastCode).waitFor();
		expect(await watch.problems()).toEqual([]);

		// Pasting and typing, in a tab without the CSP: Chromium reports every on* attribute it
		// parses to the CSP, even in the inert document ProseMirror reads the clipboard into, so with
		// the CSP on, pasting hostile HTML always logs a violation though nothing runs. Without it,
		// the canary and the DOM show whether anything got through.
		const bare = await XssWatch.open(browser, {
			baseURL: server.url,
			session: ada.http.sessionToken,
			csp: false
		});
		const pasting = await bare.newPage();
		await openApp(pasting, `/notes/${note.id}`);
		await editor(pasting).getByText(lastCode).waitFor();
		await pasteEach(pasting, MARKUP);
		const typed = shortVectors(80, MARKUP).slice(0, 20);
		for (const vector of typed) {
			await pasting.keyboard.insertText(vector.text);
			await pasting.keyboard.press('Enter');
		}
		// Hostile addresses given to the editor's own link dialog.
		for (const href of HREFS.filter((_, i) => i % 7 === 0)) {
			await pasting.keyboard.press('Enter');
			await pasting.keyboard.insertText(`dialog ${href.id}`);
			await pasting.keyboard.press('Shift+Home');
			await pasting.getByRole('button', { name: 'Link', exact: true }).click();
			const address = pasting.getByLabel('Address');
			await address.fill(href.text);
			await address.press('Enter');
			// The editor takes the address (the dialog closes) or refuses it: then the dialog stays
			// open and says why, and Cancel leaves the text unlinked.
			const refusal = pasting.getByText("This address can't be a link.", { exact: false });
			await expect
				.poll(async () => !(await address.isVisible()) || (await refusal.isVisible()))
				.toBe(true);
			if (await address.isVisible()) {
				expect(await address.getAttribute('aria-invalid')).toBe('true');
				await pasting.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
				await address.waitFor({ state: 'hidden' });
			}
			await pasting.keyboard.press('End');
		}
		await pasting.keyboard.press('Enter');
		await pasting.keyboard.insertText('The end of what was typed');
		await pasting.getByRole('status', { name: 'Sync: Saved' }).waitFor({ state: 'attached' });
		expect(await bare.problems()).toEqual([]);
		await bare.close();
		// What they wrote, live in the other tab, then after a reload (CSP on).
		await editor(page).getByText('The end of what was typed').waitFor();
		expect(await watch.problems()).toEqual([]);
		await openApp(page, `/notes/${note.id}`);
		await editor(page).getByText('The end of what was typed').waitFor();
		expect(await watch.problems()).toEqual([]);

		// A collaborator with a hostile name: caret label, presence, the share dialog.
		const other = await XssWatch.open(browser, {
			baseURL: server.url,
			session: mal.http.sessionToken
		});
		const theirs = await other.newPage();
		await openApp(theirs, `/notes/${note.id}`);
		await editor(theirs).click();
		await page.locator('.collaboration-carets__label', { hasText: MAL_NAME }).waitFor();
		await page.getByRole('button', { name: 'Share', exact: true }).click();
		await page.getByRole('dialog').getByText(MAL_NAME).first().waitFor();
		expect(await watch.problems()).toEqual([]);
		expect(await other.problems()).toEqual([]);
		await other.close();

		// The list's preview of the body.
		await openApp(page, '/notes');
		await page.getByRole('link', { name: /Hostile body/ }).waitFor();
		expect(await watch.problems()).toEqual([]);
		await page.close();

		const html = await exportAs(note.id, 'html');
		const markdown = await exportAs(note.id, 'md');
		// The hostile text made it into both, as text.
		expect(html).toContain('&lt;img src=x onerror=');
		expect(markdown).toContain('&lt;img src=x onerror=');
		await openFile('note.html', html);
		const viewer = new Marked({ gfm: true });
		await openFile(
			'note.md.html',
			`<!doctype html><meta charset="utf-8"><body>${viewer.parse(markdown, { async: false })}</body>`
		);
		expect(await files.problems()).toEqual([]);
	}, 120_000);
});
