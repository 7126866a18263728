/**
 * The XSS oracle (tests/xss/oracle.ts) catches what it is for, so the corpus tests can fail: a
 * page that renders the corpus without sanitizing, with and without a CSP, and the shapes that
 * leave no trace but the DOM (a `javascript:` link nobody clicked, an element shown for an
 * instant). No Parley server: the pages are served by the browser's request routing.
 */
import type { Browser } from '@playwright/test';
import { Marked } from 'marked';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MARKDOWN_CORPUS, MARKUP } from './xss/corpus.ts';
import { launchChromium } from './xss/browser.ts';
import { XssWatch } from './xss/oracle.ts';

const ORIGIN = 'http://oracle.test';
const CSP = "default-src 'self'; script-src 'self'; img-src 'self' data:";

let browser: Browser;
beforeAll(async () => {
	browser = await launchChromium();
});
afterAll(async () => {
	await browser?.close();
});

/** A watched page at ORIGIN whose HTML is `body`, with or without the app's kind of CSP. */
async function serve(body: string, csp: boolean) {
	const watch = await XssWatch.open(browser, { baseURL: ORIGIN });
	await watch.context.route(`${ORIGIN}/**`, (route) =>
		route.fulfill({
			contentType: 'text/html',
			headers: csp ? { 'content-security-policy': CSP } : {},
			body: `<!doctype html><meta charset="utf-8"><body><div class="prose-message">${body}</div></body>`
		})
	);
	const page = await watch.newPage();
	await page.goto(`${ORIGIN}/`);
	await page.waitForTimeout(300);
	return { watch, page };
}

/** The ids of the vectors a report names. */
function named(problems: string[]): Set<number> {
	const ids = new Set<number>();
	for (const problem of problems) {
		for (const match of problem.matchAll(/xss\s*(?:\(|`|=|%28)\s*(\d+)|\(vector (\d+)\)/g)) {
			ids.add(Number(match[1] ?? match[2]));
		}
	}
	return ids;
}

it('sees every markup vector that can act, when nothing sanitizes and no CSP blocks it', async () => {
	const { watch, page } = await serve('', false);
	const unsafe = new Marked({ gfm: true });
	const rendered = MARKDOWN_CORPUS.map((v) => ({
		id: v.id,
		html: v.family.startsWith('markdown') ? unsafe.parse(v.text, { async: false }) : v.text
	}));
	// Each in its own element, so a vector that swallows the rest (<plaintext>) hides nothing.
	await page.evaluate((vectors) => {
		for (const { id, html } of vectors) {
			const box = document.createElement('div');
			box.className = 'prose-message';
			box.dataset.vector = String(id);
			box.innerHTML = html;
			document.body.append(box);
		}
	}, rendered);
	await page.waitForTimeout(500);
	const problems = await watch.problems();
	expect(problems.some((p) => p.startsWith('canary: '))).toBe(true);
	const seen = named(problems);
	// Shapes that stay inert when inserted as they are, there for parsers that would read them
	// otherwise: <body>/<frameset> (only in a whole document), raw-text elements, comments, CDATA,
	// templates, tags a tokenizer never closes, and text. Everything else must show.
	const inert =
		/^(<(body|frameset|xmp|noembed|noframes|title|plaintext|select><template|scr<)|&lt;|&#60;|\\u003c|javascript:|<!--!|<svg><!\[CDATA)|\/\/$|alt="``/i;
	const missed = MARKUP.filter((v) => !seen.has(v.id) && !inert.test(v.text)).map((v) => v.text);
	expect(missed).toEqual([]);
	const links = MARKDOWN_CORPUS.filter((v) => v.family === 'markdown-link');
	expect(links.filter((v) => seen.has(v.id)).length).toBeGreaterThan(links.length / 2);
	await watch.close();
});

it('reports a blocked inline handler as a CSP violation', async () => {
	const { watch } = await serve('<img src=x onerror=__xss(1)>', true);
	const problems = await watch.problems();
	expect(problems.filter((p) => /CSP/.test(p)).length).toBeGreaterThan(0);
	expect(problems.some((p) => p.startsWith('canary: '))).toBe(false);
	await watch.close();
});

it('reports links and frames that never ran, and elements that were there only for a moment', async () => {
	const { watch, page } = await serve(
		'<a href=" JaVa&#x0A;script:__xss(2)">x</a><iframe src="data:text/html,hi"></iframe>',
		true
	);
	await page.evaluate(() => {
		const flash = document.createElement('div');
		flash.innerHTML = '<form action="javascript:__xss(3)"></form>';
		document.querySelector('.prose-message')?.append(flash);
		queueMicrotask(() => flash.remove());
	});
	await page.waitForTimeout(100);
	const problems = (await watch.problems()).join('\n');
	expect(problems).toMatch(/href=javascript: URL/);
	expect(problems).toMatch(/<iframe> in the page/);
	expect(problems).toMatch(/<form> in rendered text/);
	expect(problems).toMatch(/action=javascript: URL/);
	await watch.close();
});

it('is silent on a clean page', async () => {
	const { watch } = await serve('<p>Hello <a href="https://a.example/">there</a></p>', true);
	expect(await watch.problems()).toEqual([]);
	await watch.close();
});
