import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.ts';
import { addProvider } from './providers-support.ts';
import { ADMIN_STATE, expectShell, fakePort, otherUser } from './support.ts';

test.use({ storageState: ADMIN_STATE });
// One fake provider for the file, set up by the first test through the admin pages.
test.describe.configure({ mode: 'serial' });

let fake: FakeOpenAI;

test.beforeAll(async () => {
	fake = await startFakeOpenAI({ port: fakePort('openai') });
});
test.afterAll(async () => {
	await fake?.close();
});
test.afterEach(() => {
	fake.setScenario(null);
});

/** The text the fake streams for `[[tokens=n]]`: "t0 t1 … t(n-1)". */
const counted = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`).join(' ');

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastAnswer = (page: Page) => page.getByRole('article', { name: 'Answer' }).last();
const answerText = (page: Page) => lastAnswer(page).getByTestId('answer-text');
const lastQuestion = (page: Page) => page.getByRole('article', { name: 'You', exact: true }).last();

async function newChat(page: Page): Promise<void> {
	await page.goto('/chats');
	await expectShell(page);
	await page.getByRole('button', { name: 'New chat', exact: true }).click();
	await expect(page).toHaveURL(/\/chats\/[\w-]+$/);
	await expect(composer(page)).toBeVisible();
}

async function send(page: Page, text: string): Promise<void> {
	await composer(page).fill(text);
	await composer(page).press('Enter');
	await expect(composer(page)).toHaveValue('');
}

const textLength = async (page: Page) => (await answerText(page).innerText()).length;

test('without models, chats say to ask an admin; the admin adds a provider', async ({
	page,
	browser
}) => {
	const member = await otherUser(browser, 'Mia Member');
	await member.page.goto('/chats');
	await expect(
		member.page.getByText('Ask an admin to add a model provider.').first()
	).toBeVisible();
	await member.context.close();

	await page.goto('/chats');
	await expectShell(page);
	await page.getByRole('link', { name: 'Add a model provider' }).click();
	await expect(page).toHaveURL(/\/admin\/providers$/);
	await addProvider(page, { name: 'Fake for chats', baseUrl: fake.url, defaultModel: 'fake-gpt' });

	await page.goto('/chats');
	await expect(page.getByRole('heading', { name: 'Chat with a language model' })).toBeVisible();
});

test('an answer streams in, then shows its details', async ({ page }) => {
	await newChat(page);
	await expect(page.getByRole('combobox', { name: 'Model' })).toHaveValue(/.+/);
	await send(page, 'Count for me [[tokens=60 delay=40 reasoning=3]]');

	await expect(answerText(page)).toContainText('t3');
	const early = await textLength(page);
	await expect.poll(() => textLength(page)).toBeGreaterThan(early);
	await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
	await expect(answerText(page)).toHaveText(counted(60));
	await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();

	const answer = lastAnswer(page);
	await expect(answer.getByText(/^Thought for \d+ s$/)).toBeVisible();
	await answer.getByRole('button', { name: 'Answer details' }).hover();
	const tip = answer.getByRole('tooltip');
	await expect(tip).toBeVisible();
	await expect(tip).toContainText('fake-gpt');
	await expect(tip).toContainText(/Tokens: \d+ in · 63 out/);
	await expect(tip).toContainText(/Speed: [\d.]+ tokens\/s/);

	// The chat is listed, newest first, under the title the model gave it.
	const nav = page.getByRole('navigation', { name: 'Chats' });
	await expect(nav.getByRole('link').first()).toHaveAttribute('aria-current', 'page');
});

test('Stop ends the answer: the text stops growing and it says Stopped', async ({ page }) => {
	await newChat(page);
	await send(page, 'Go slowly [[tokens=400 delay=50]]');
	await expect(answerText(page)).toContainText('t5');
	await page.getByRole('button', { name: 'Stop' }).click();

	const answer = lastAnswer(page);
	await expect(answer.getByText('Stopped', { exact: true })).toBeVisible();
	const stopped = await answerText(page).innerText();
	await page.waitForTimeout(700);
	expect(await answerText(page).innerText()).toBe(stopped);
	expect(stopped).not.toContain('t399');

	// Continue picks up where it ended.
	await answer.getByRole('button', { name: 'Continue' }).click();
	await expect.poll(() => textLength(page)).toBeGreaterThan(stopped.length);
	await page.getByRole('button', { name: 'Stop' }).click();
	await expect(answer.getByText('Stopped', { exact: true })).toBeVisible();
});

test('Regenerate adds a version; the arrows switch between them', async ({ page }) => {
	await newChat(page);
	fake.setScenario({ reply: 'First answer' });
	await send(page, 'Say something');
	await expect(answerText(page)).toHaveText('First answer');

	fake.setScenario({ reply: 'Second answer' });
	await lastAnswer(page).getByRole('button', { name: 'Regenerate' }).click();
	await expect(answerText(page)).toHaveText('Second answer');
	const versions = lastAnswer(page).getByRole('group', { name: 'Versions' });
	await expect(versions).toContainText('2 / 2');

	await versions.getByRole('button', { name: 'Previous version' }).click();
	await expect(answerText(page)).toHaveText('First answer');
	await expect(versions).toContainText('1 / 2');
	await expect(versions.getByRole('button', { name: 'Previous version' })).toBeDisabled();

	// The server remembers the version shown.
	await page.reload();
	await expectShell(page);
	await expect(answerText(page)).toHaveText('First answer');
	await versions.getByRole('button', { name: 'Next version' }).click();
	await expect(answerText(page)).toHaveText('Second answer');
	await expect(versions).toContainText('2 / 2');
});

test('editing a sent message starts a new branch', async ({ page }) => {
	await newChat(page);
	fake.setScenario({ reply: 'Answer one' });
	await send(page, 'Original question');
	await expect(answerText(page)).toHaveText('Answer one');

	fake.setScenario({ reply: 'Answer two' });
	await lastQuestion(page).getByRole('button', { name: 'Edit' }).click();
	await page.getByRole('textbox', { name: 'Edit message' }).fill('Edited question');
	await page.getByRole('button', { name: 'Save and send' }).click();
	await expect(lastQuestion(page)).toContainText('Edited question');
	await expect(answerText(page)).toHaveText('Answer two');
	const versions = lastQuestion(page).getByRole('group', { name: 'Versions' });
	await expect(versions).toContainText('2 / 2');

	await versions.getByRole('button', { name: 'Previous version' }).click();
	await expect(lastQuestion(page)).toContainText('Original question');
	await expect(answerText(page)).toHaveText('Answer one');
	await expect(versions).toContainText('1 / 2');
});

test('after a reload mid-stream the answer carries on to the end', async ({ page }) => {
	await newChat(page);
	await send(page, 'A long story [[tokens=100 delay=50]]');
	await expect(answerText(page)).toContainText('t10');
	await page.reload();
	await expectShell(page);
	await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
	await expect(answerText(page)).toHaveText(counted(100), { timeout: 15_000 });
	await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
});

test('a provider error shows inline with Retry, plainly (not what the provider wrote)', async ({
	page
}) => {
	await newChat(page);
	await send(page, 'Break, please [[fail=500]]');
	const alert = lastAnswer(page).getByRole('alert');
	await expect(alert).toContainText('The provider failed (500).');
	await expect(alert).not.toContainText('Simulated failure');
	await alert.getByRole('button', { name: 'Retry' }).click();
	await expect(lastAnswer(page).getByRole('group', { name: 'Versions' })).toContainText('2 / 2');
	await expect(lastAnswer(page).getByRole('alert')).toContainText('The provider failed (500).');
});

test('a message the server refuses stays in the composer with the reason', async ({ page }) => {
	await newChat(page);
	const tooLong = 'x'.repeat(32_001);
	await composer(page).fill(tooLong);
	await composer(page).press('Enter');
	await expect(page.getByRole('alert')).toContainText('at most 32,000 characters');
	await expect(composer(page)).toHaveValue(tooLong);
});

test('chats can be renamed, pinned and deleted from the list', async ({ page }) => {
	await newChat(page);
	const nav = page.getByRole('navigation', { name: 'Chats' });
	const title = `Plans ${Date.now().toString(36)}`;

	await nav.getByRole('button', { name: 'Options for New chat' }).first().click();
	await nav.getByRole('button', { name: 'Rename' }).click();
	await nav.getByRole('textbox', { name: 'Chat title' }).fill(title);
	await nav.getByRole('textbox', { name: 'Chat title' }).press('Enter');
	await expect(nav.getByRole('link', { name: title })).toBeVisible();
	await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();

	await nav.getByRole('button', { name: `Options for ${title}` }).click();
	await nav.getByRole('button', { name: 'Pin' }).click();
	const pinned = nav.getByRole('region', { name: 'Pinned' });
	await expect(pinned.getByRole('link', { name: title })).toBeVisible();

	page.once('dialog', (dialog) => void dialog.accept());
	await nav.getByRole('button', { name: `Options for ${title}` }).click();
	await nav.getByRole('button', { name: 'Delete' }).click();
	await expect(page).toHaveURL(/\/chats$/);
	await expect(nav.getByRole('link', { name: title })).toHaveCount(0);
});

test.describe('on a 375 px wide phone', () => {
	test.use({ viewport: { width: 375, height: 740 } });

	test('the list and the chat take turns, without sideways scrolling', async ({ page }) => {
		await page.goto('/chats');
		await expectShell(page);
		await expect(page.getByRole('navigation', { name: 'Chats' })).toBeVisible();
		await page.getByRole('button', { name: 'New chat', exact: true }).click();
		await expect(composer(page)).toBeVisible();
		await expect(page.getByRole('navigation', { name: 'Chats' })).toBeHidden();
		fake.setScenario({ reply: 'Small screens are fine' });
		await send(page, 'Hello from a phone');
		await expect(answerText(page)).toHaveText('Small screens are fine');
		const overflow = await page.evaluate(
			() => document.documentElement.scrollWidth - document.documentElement.clientWidth
		);
		expect(overflow).toBeLessThanOrEqual(0);
		await page.getByRole('link', { name: 'All chats' }).click();
		await expect(page.getByRole('navigation', { name: 'Chats' })).toBeVisible();
	});
});
