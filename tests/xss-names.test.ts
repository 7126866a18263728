/**
 * The XSS corpus (tests/xss/corpus.ts) through every surface that shows a name or a short text
 * somebody else chose, in Chromium against the production build with its CSP on: display names
 * (messages, member lists, the typing indicator, reactions, direct messages, the people picker,
 * the account menu), channel names and descriptions (sidebar, header, browse dialog, settings),
 * provider and model names (model picker, Admin → Providers), and the admin pages: users,
 * instances (names, what the instance says about itself, run problems) and the usage dashboard
 * with people, models and instances imported from Open WebUI. The oracle (tests/xss/oracle.ts)
 * must stay silent, and each hostile text must show as text.
 */
import type { Browser, Page } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { FakeOpenWebUI } from './fakes/open-webui.ts';
import { World } from './fakes/open-webui-data.ts';
import type { FakeOpenAI } from './fakes/openai.ts';
import { clientId, ok, RELAXED_LIMITS, type TestUser } from './helpers/channels.ts';
import { addInstance, syncNow } from './helpers/sync.ts';
import { MARKUP, pack, shortVectors } from './xss/corpus.ts';
import { launchChromium, openApp } from './xss/browser.ts';
import { XssWatch } from './xss/oracle.ts';
import { useParley } from './helpers/kit.ts';

/** Display names (at most 64 characters), spread over the corpus's shapes. */
const NAMES = shortVectors(64, MARKUP)
	.filter((_, i) => i % 24 === 0)
	.map((v) => v.text);
/** Model ids a provider lists, and so the names the model picker shows. */
const MODEL_IDS = pack(shortVectors(80), 80).slice(0, 24);

let openai: FakeOpenAI;
let owui: FakeOpenWebUI;
let browser: Browser;
let admin: TestUser;
let people: TestUser[];
let watch: XssWatch;

useParley(
	async () => {
		owui = await FakeOpenWebUI.start({ version: NAMES[0] });
		return { env: RELAXED_LIMITS, fakeProvider: { models: MODEL_IDS }, fakes: [owui] };
	},
	async (kit) => {
		openai = kit.provider;
		browser = kit.own(await launchChromium());
		[admin, ...people] = await kit.users(...NAMES);
		watch = kit.own(
			await XssWatch.open(browser, { baseURL: kit.url, session: admin.http.sessionToken })
		);
	},
	90_000
);

/** Waits until `text` shows, as text, inside `scope` (the whole page by default). */
async function shows(page: Page, text: string, scope = 'body'): Promise<void> {
	const found = await page
		.waitForFunction(
			([selector, wanted]) =>
				[...document.querySelectorAll(selector)].some((e) => e.textContent?.includes(wanted)),
			[scope, text] as const,
			{ timeout: 15_000 }
		)
		.then(() => true)
		.catch(() => false);
	if (!found) {
		const seen = await page
			.locator(scope)
			.allTextContents()
			.catch(() => []);
		throw new Error(`${JSON.stringify(text)} is not shown in ${scope}: ${JSON.stringify(seen)}`);
	}
}

describe('display names, channel names and descriptions', () => {
	it('show as text in channels, threads of people, direct messages and the people picker', async () => {
		const names = pack(shortVectors(80), 80);
		const descriptions = pack(shortVectors(500), 500);
		const channels = [];
		for (const [i, description] of descriptions.entries()) {
			channels.push(
				await ok(admin.socket, 'channel:create', {
					kind: i % 2 ? 'private' : 'public',
					name: names[i],
					description,
					memberIds: people.map((p) => p.id)
				})
			);
		}
		const [channel] = channels;
		const root = await ok(admin.socket, 'message:send', {
			channelId: channel.id,
			clientId: clientId(),
			body: 'Say something, everyone'
		});
		for (const person of people) {
			await ok(person.socket, 'message:send', {
				channelId: channel.id,
				clientId: clientId(),
				body: 'Hello'
			});
			await ok(person.socket, 'message:react', { messageId: root.id, emoji: '👍' });
		}
		const dm = await ok(admin.socket, 'dm:open', { userIds: people.slice(0, 3).map((p) => p.id) });

		const page = await watch.newPage();
		await openApp(page, `/channels/${channel.id}`);
		// Message authors.
		await shows(page, people.at(-1)?.name ?? '', 'main [role="log"]');
		await shows(page, descriptions[0], 'main header');
		await shows(page, names[descriptions.length - 1], 'nav[aria-label="Channels"]');
		// Two people typing at once.
		await ok(people[0].socket, 'channel:typing', { channelId: channel.id });
		await ok(people[1].socket, 'channel:typing', { channelId: channel.id });
		await shows(page, `${people[0].name} and ${people[1].name} are typing…`);
		expect(await watch.problems()).toEqual([]);

		await page.getByRole('button', { name: 'Channel details and members' }).click();
		await shows(page, people.at(-1)?.name ?? '', 'dialog[open]');
		await page.keyboard.press('Escape');
		await page.getByRole('button', { name: 'Browse' }).click();
		// The last public channel (private ones are not browsed).
		await shows(page, descriptions[(descriptions.length - 1) & ~1], 'dialog[open]');
		await page.keyboard.press('Escape');
		await page.getByRole('button', { name: 'New direct message' }).click();
		await page
			.getByPlaceholder('Find people to message')
			.fill(people.at(-1)?.name.slice(0, 4) ?? '');
		await shows(page, people.at(-1)?.name ?? '', 'dialog[open]');
		await page.keyboard.press('Escape');
		expect(await watch.problems()).toEqual([]);

		await openApp(page, `/channels/${dm.id}`);
		await shows(page, people[2].name, 'main header');
		await openApp(page, '/settings');
		expect(await watch.problems()).toEqual([]);
		await page.close();
	}, 90_000);
});

describe('providers and models', () => {
	it('show as text in the model picker and on Admin → Providers', async () => {
		const providerNames = pack(shortVectors(60), 60).slice(0, 3);
		const modelIds: string[] = [];
		for (const name of providerNames) {
			const created = await admin.http.json<{ id: string }>('/api/v1/admin/providers', {
				method: 'POST',
				body: { name, baseUrl: openai.url, apiKey: '' }
			});
			expect(created.status).toBe(201);
			const refreshed = await admin.http.json<{ models: { id: string }[] }>(
				`/api/v1/admin/providers/${created.body.id}/models`,
				{ method: 'POST' }
			);
			modelIds.push(...refreshed.body.models.map((m) => m.id));
		}
		for (const [i, id] of modelIds.entries()) {
			const body = i === 0 ? { isDefault: true } : { enabled: true };
			await admin.http.json(`/api/v1/admin/models/${id}`, { method: 'PATCH', body });
		}
		// An admin's own name for a model, and a chat with it (usage under that name).
		const renamed = pack(shortVectors(80), 80).at(-1) ?? '';
		await admin.http.json(`/api/v1/admin/models/${modelIds[1]}`, {
			method: 'PATCH',
			body: { displayName: renamed }
		});
		const chat = await ok(people[0].socket, 'chat:create', { modelId: modelIds[1] });
		await ok(people[0].socket, 'chat:send', {
			chatId: chat.id,
			content: 'Hello',
			parentId: null,
			clientId: clientId()
		});

		const page = await watch.newPage();
		await openApp(page, '/chats');
		await page.getByRole('button', { name: 'New chat', exact: true }).click();
		await shows(page, renamed, 'select');
		await shows(page, MODEL_IDS.at(-1) ?? '', 'select');
		await openApp(page, '/admin/providers');
		await shows(page, providerNames.at(-1) ?? '', 'main');
		await shows(page, MODEL_IDS.at(-1) ?? '', 'main');
		expect(await watch.problems()).toEqual([]);
		await page.close();
	}, 90_000);
});

describe('admin pages', () => {
	it('show users, instances, run problems and imported usage as text', async () => {
		// An Open WebUI instance whose people, models and chat ids are hostile.
		const world = new World(owui.data, 7);
		const imported = shortVectors(60).filter((_, i) => i % 9 === 0);
		const importedIds: string[] = [];
		for (const [i, name] of imported.entries()) {
			const user = world.addUser({ name: name.text });
			importedIds.push(user.id);
			const chat = world.addChat(user.id, { turns: 2, daysAgo: 1 });
			for (const message of Object.values(chat.chat.history.messages)) {
				if (message.role === 'assistant') message.model = MODEL_IDS[i % MODEL_IDS.length];
			}
			if (i === 0) {
				// A chat whose id is hostile and whose timestamps are in the future: a run warning.
				owui.data.chats.delete(chat.id);
				chat.id = chat.chat.id = name.text;
				for (const message of Object.values(chat.chat.history.messages)) {
					message.timestamp = Math.floor(Date.now() / 1000) + 10 * 86_400;
				}
				owui.data.chats.set(chat.id, chat);
			}
		}
		world.addCatalog([...owui.data.users.keys()][0]);
		const instanceName = pack(shortVectors(60), 60)[3];
		const instance = await addInstance(admin.http, owui, { name: instanceName });
		const run = await syncNow(admin.http, instance.id);
		expect(run.status).not.toBe('failed');

		const page = await watch.newPage();
		await openApp(page, '/admin/users');
		await shows(page, people.at(-1)?.name ?? '', 'main');
		await openApp(page, '/admin/instances');
		await shows(page, instanceName, 'main');
		await page.getByRole('button', { name: `Test connection to ${instanceName}` }).click();
		await shows(page, `Connected to Open WebUI ${NAMES[0]}`, 'main');
		await openApp(page, `/admin/instances/${instance.id}`);
		await page
			.getByText(/Details: changes per entity/)
			.first()
			.click();
		await shows(page, `Chat ${imported[0].text}:`, 'main');
		expect(await watch.problems()).toEqual([]);

		await openApp(page, '/admin/usage?range=7d');
		await shows(page, imported.at(-1)?.text ?? '', 'main');
		await shows(page, MODEL_IDS[0], 'main');
		await openApp(page, `/admin/usage?range=7d&instance=${instance.id}`);
		await shows(page, instanceName, 'main');
		// One imported person's usage: their name in the filters and the tables.
		await openApp(page, `/admin/usage?range=7d&user=${encodeURIComponent(importedIds[1])}`);
		await shows(page, imported[1].text, 'main');
		expect(await watch.problems()).toEqual([]);
		await page.close();
	}, 90_000);
});
