/**
 * The XSS corpus (tests/xss/corpus.ts) through every surface that renders Markdown, in Chromium
 * against the production build with its CSP on: channel messages (live, then after a reload),
 * thread replies, and AI chats — the user's prompts, the model's answers streamed live with every
 * chunk boundary rendered and again after a reload, reasoning, provider error texts and chat
 * titles. The oracle (tests/xss/oracle.ts) must stay silent: no canary touched, no CSP violation,
 * nothing dangerous in the DOM at any moment, no page error.
 */
import type { Browser, Page } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import type { FakeOpenAI } from './fakes/openai.ts';
import { clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { MARKDOWN_CORPUS, pack, shortVectors, type Vector } from './xss/corpus.ts';
import { launchChromium, openApp } from './xss/browser.ts';
import { XssWatch } from './xss/oracle.ts';
import { useParley } from './helpers/kit.ts';

/** Chats streaming at once, each in its own tab. */
const TABS = 8;

let fake: FakeOpenAI;
let browser: Browser;
let ada: TestUser;
let watch: XssWatch;

const env = { ...RELAXED_LIMITS, CHAT_MAX_CONCURRENT_PER_USER: String(TABS + 4) };
useParley(
	{ env, fakeProvider: true },
	async (kit) => {
		fake = kit.provider;
		browser = kit.own(await launchChromium());
		const admin = await kit.account('Admin');
		await kit.setUpProvider(admin);
		ada = await kit.user('Ada');
		watch = kit.own(
			await XssWatch.open(browser, { baseURL: kit.url, session: ada.http.sessionToken })
		);
	},
	60_000
);

function send(channelId: string, body: string, parentId?: string) {
	return ok(ada.socket, 'message:send', { channelId, clientId: clientId(), body, parentId });
}

/** Runs `send` for every item, a few at a time. */
async function inBatches<T>(items: readonly T[], send: (item: T) => Promise<unknown>) {
	for (let i = 0; i < items.length; i += 25) await Promise.all(items.slice(i, i + 25).map(send));
}

async function expectRendered(page: Page, scope: string, count: number): Promise<void> {
	await page.waitForFunction(
		([selector, n]) => document.querySelectorAll(selector).length >= n,
		[`${scope} .prose-message`, count] as const,
		{ timeout: 20_000 }
	);
}

/** Vectors in groups of about the same size; an unclosed fence goes last in its group. */
function groups(vectors: readonly Vector[], count: number): string[] {
	const unbalanced = (v: Vector) => (v.text.match(/^(```|~~~)/gm)?.length ?? 0) % 2 === 1;
	const out = Array.from({ length: count }, () => [] as string[]);
	const ordered = [...vectors.filter((v) => !unbalanced(v)), ...vectors.filter(unbalanced)];
	ordered.forEach((vector, i) => out[i % count].push(vector.text));
	return out.map((texts) => texts.join('\n\n'));
}

describe('channel messages and thread replies', () => {
	it(
		'render every vector harmlessly, one a message, on opening and live',
		{ timeout: 90_000 },
		async () => {
			// A channel opens on its latest 50 messages: the corpus goes into channels of 50.
			const page = await watch.newPage();
			let last = '';
			for (let i = 0; i < MARKDOWN_CORPUS.length; i += 50) {
				const part = MARKDOWN_CORPUS.slice(i, i + 50);
				last = (await ok(ada.socket, 'channel:create', { kind: 'public', name: `corpus ${i}` })).id;
				await inBatches(part, (vector) => send(last, vector.text));
				await openApp(page, `/channels/${last}`);
				await expectRendered(page, 'main', part.length);
			}
			expect(await watch.problems()).toEqual([]);

			// Messages arriving while the channel is open.
			const live = MARKDOWN_CORPUS.filter((_, i) => i % 8 === 0);
			const shown = await page.locator('main .prose-message').count();
			await inBatches(live, (vector) => send(last, vector.text));
			await expectRendered(page, 'main', shown + live.length);
			expect(await watch.problems()).toEqual([]);
			await page.close();
		}
	);

	it('render every vector harmlessly as thread replies', { timeout: 60_000 }, async () => {
		const channel = await ok(ada.socket, 'channel:create', { kind: 'public', name: 'threads' });
		const root = await send(channel.id, 'The root of a hostile thread');
		// Several vectors a reply here (one each in the channel above), so they meet each other.
		const replies = groups(MARKDOWN_CORPUS, 40);
		const [early, late] = [replies.slice(0, 30), replies.slice(30)];
		await inBatches(early, (text) => send(channel.id, text, root.id));

		const page = await watch.newPage();
		await openApp(page, `/channels/${channel.id}`);
		await page.getByRole('button', { name: `${early.length} replies` }).click();
		const thread = 'aside[aria-label="Thread"]';
		await expectRendered(page, thread, early.length + 1);
		// Replies arriving while the thread is open.
		await inBatches(late, (text) => send(channel.id, text, root.id));
		await expectRendered(page, thread, replies.length + 1);
		expect(await watch.problems()).toEqual([]);
		await page.close();
	});
});

/**
 * Paces a streamed answer by what a tab shows: the fake sends the next chunk only once the tab has
 * re-rendered the answer for the previous one, so every chunk boundary is rendered on its own
 * (the answer view folds chunks that arrive within 100 ms of a render into one).
 */
class RenderGate {
	renders = 0;
	#wake: (() => void) | undefined;

	async attach(page: Page): Promise<void> {
		await page.exposeBinding('__xssRendered', () => {
			this.renders++;
			this.#wake?.();
		});
		await page.evaluate(() => {
			const rendered = (window as unknown as { __xssRendered(): void }).__xssRendered;
			new MutationObserver((records) => {
				const answer = (r: MutationRecord) =>
					(r.target as Element).classList?.contains('prose-message');
				if (records.some(answer)) rendered();
			}).observe(document, { subtree: true, childList: true });
		});
	}

	/**
	 * Resolves once `count` renders happened, or soon after if the page did not change (a chunk that
	 * changes nothing visible) or is slow to (then two chunks may share a render).
	 */
	async reached(count: number): Promise<void> {
		const deadline = Date.now() + 300;
		while (this.renders < count && Date.now() < deadline) {
			await new Promise<void>((resolve) => {
				this.#wake = resolve;
				setTimeout(resolve, 50);
			});
		}
	}
}

describe('AI chats', () => {
	it('stream every vector harmlessly, chunk by chunk, and show it harmlessly after a reload', async () => {
		const prompts = groups(MARKDOWN_CORPUS, TABS);
		// A text area turns CR LF into LF; the server trims what it is sent and stores U+0000 as U+FFFD.
		const key = (text: string) =>
			text.replace(/\r\n?/g, '\n').replaceAll('\u0000', '\uFFFD').trim();
		const gates = new Map(prompts.map((prompt) => [key(prompt), new RenderGate()]));
		// The model echoes each prompt back, one word per chunk; titles are its first line.
		fake.setScenario((body) => {
			const prompt = body.messages?.findLast((m) => m.role === 'user')?.content ?? '';
			const gate = gates.get(key(prompt));
			return {
				reply: prompt,
				beforeChunk: body.stream && gate ? (i) => gate.reached(i) : undefined
			};
		});
		const chatIds: string[] = [];
		for (const i of prompts.keys()) {
			const systemPrompt = prompts[(i + 1) % prompts.length].slice(0, 8000);
			chatIds.push((await ok(ada.socket, 'chat:create', { systemPrompt })).id);
		}
		const pages = await Promise.all(
			prompts.map(async (prompt, i) => {
				const page = await watch.newPage();
				await openApp(page, `/chats/${chatIds[i]}`);
				await gates.get(key(prompt))?.attach(page);
				await page.getByRole('textbox', { name: 'Message' }).fill(prompt);
				return page;
			})
		);
		await Promise.all(
			pages.map((page) => page.getByRole('textbox', { name: 'Message' }).press('Enter'))
		);
		for (const page of pages) {
			await page
				.locator('article[data-status="done"]')
				.waitFor({ timeout: 60_000, state: 'attached' });
		}
		for (const [prompt, gate] of gates) {
			// Rendered as it streamed (in practice once a chunk), not all at once at the end.
			expect(gate.renders).toBeGreaterThan(prompt.split(/(?<= )/).length / 2);
		}
		expect(await watch.problems()).toEqual([]);

		await Promise.all(
			pages.map(async (page, i) => {
				await openApp(page, `/chats/${chatIds[i]}`);
				await page.locator('article[data-status="done"] .prose-message').waitFor();
			})
		);
		expect(await watch.problems()).toEqual([]);
		for (const page of pages) await page.close();
	}, 120_000);

	it(
		'show hostile titles, reasoning and provider errors harmlessly',
		{ timeout: 60_000 },
		async () => {
			const titles = pack(shortVectors(120), 120);
			for (const title of titles) await ok(ada.socket, 'chat:create', { title });
			const texts = pack(shortVectors(300), 300);
			fake.setScenario((body) =>
				body.messages?.some((m) => m.content.includes('fail now'))
					? { fail: 500, errorMessage: texts[1] }
					: { reasoningText: texts[0], reply: texts[2], errorAfter: 4, errorMessage: texts[3] }
			);
			const page = await watch.newPage();
			for (const prompt of ['think, then break', 'fail now']) {
				const chat = await ok(ada.socket, 'chat:create', {});
				await openApp(page, `/chats/${chat.id}`);
				await page.getByRole('textbox', { name: 'Message' }).fill(prompt);
				await page.getByRole('textbox', { name: 'Message' }).press('Enter');
				await page.locator('article[data-status="error"]').waitFor();
			}
			const nav = page.getByRole('navigation', { name: 'Chats' });
			for (const title of titles.slice(0, 3)) await nav.getByText(title).first().waitFor();
			expect(await watch.problems()).toEqual([]);
			await page.close();
		}
	);
});
