import { expect, test } from './fixtures.ts';
import { FakeOpenWebUI } from '../fakes/open-webui.ts';
import { World } from '../fakes/open-webui-data.ts';
import { ADMIN_STATE, expectShell, fakePort, otherUser } from './support.ts';

test.use({ storageState: ADMIN_STATE });

let fake: FakeOpenWebUI;

test.beforeAll(async () => {
	// A fake Open WebUI on 127.0.0.1, started by the test; Parley's server connects to it.
	fake = await FakeOpenWebUI.start({ port: fakePort('open-webui') });
	new World(fake.data, 77).populate({ users: 6, chatsPerUser: 5, catalogEvery: 2 });
	// Slow chat answers, so the run lasts long enough to watch its progress.
	fake.fault({ route: 'chat', delayMs: 120 });
});

test.afterAll(async () => {
	await fake.close();
});

const name = `Team OWUI ${Date.now().toString(36)}`;

test('an admin adds an instance, tests it, syncs it with live progress and sees the run', async ({
	page
}) => {
	await page.goto('/admin/instances');
	await expectShell(page);
	const sections = page.getByRole('navigation', { name: 'Admin sections' });
	await expect(sections.getByRole('link', { name: 'Instances' })).toHaveAttribute(
		'aria-current',
		'page'
	);

	// A wrong URL is refused by the form itself.
	await page.getByLabel('Name').fill(name);
	await page.getByLabel('Base URL').fill(`${fake.url}/api/v1`);
	await page.getByLabel('Admin API key').fill(fake.options.adminKey);
	await page.getByRole('button', { name: 'Add instance' }).click();
	await expect(page.getByText('Enter the server’s root URL, without /api')).toBeVisible();
	// So is an internal address the server may not reach, saying which setting would allow it.
	await page.getByLabel('Base URL').fill('http://localhost:9');
	await page.getByLabel('Admin API key').fill(fake.options.adminKey);
	await page.getByRole('button', { name: 'Add instance' }).click();
	await expect(
		page.getByText(
			/^localhost:9 resolves to 127\.0\.0\.1, a loopback address .*add localhost:9 to OUTBOUND_ALLOW\.$/
		)
	).toBeVisible();
	await page.getByLabel('Base URL').fill(fake.url);
	await page.getByLabel('Admin API key').fill(fake.options.adminKey);
	await page.getByRole('button', { name: 'Add instance' }).click();
	await expect(page.getByText(`${name} added. Test the connection, then sync.`)).toBeVisible();

	const card = page.getByRole('article', { name });
	await expect(card).toContainText('Never synced');
	// The key is never sent back to the browser.
	expect(await page.content()).not.toContain(fake.options.adminKey);

	await card.getByRole('button', { name: `Test connection to ${name}` }).click();
	await expect(
		card.getByText('Connected to Open WebUI 0.11.0 as Owui Admin (admin) · 6 users.')
	).toBeVisible();

	await card.getByRole('button', { name: `Sync ${name} now` }).click();
	const progress = card.getByRole('list', { name: `Sync progress of ${name}` });
	await expect(progress).toBeVisible();
	await expect(progress.getByRole('progressbar', { name: 'Chats: running' })).toBeVisible();
	await expect(card.getByRole('button', { name: 'Stop sync' })).toBeVisible();
	await expect(progress.getByRole('progressbar', { name: 'Feedback: done' })).toBeVisible({
		timeout: 30_000
	});
	await expect(progress.getByRole('progressbar', { name: 'Users: done' })).toHaveAttribute(
		'aria-valuetext',
		'done, 6 / 6, +6 ~0 −0'
	);
	await expect(card.getByText('Succeeded')).toBeVisible();
	await expect(card).toContainText('6 users · 30 chats');

	// The run in the history, with its counts.
	await card.getByRole('link', { name: 'Runs and settings' }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();
	const history = page.getByRole('table', { name: 'Run history, newest first' });
	const row = history.getByRole('row').nth(1);
	await expect(row).toContainText('Sync now');
	await expect(row).toContainText('Succeeded');
	await expect(row).toContainText('+6 ~0 −0');
	await expect(row).toContainText('+30 ~0 −0');
	await history
		.getByText(/^Details: changes per entity/)
		.first()
		.click();
	const perEntity = history.getByRole('table', { name: 'Changes per entity' }).first();
	await expect(perEntity.getByRole('row', { name: /^Chats/ })).toHaveText(
		/Chats\s*30\s*0\s*0\s*0\s*0/
	);
});

test.describe('on a 375 px wide phone', () => {
	test.use({ viewport: { width: 375, height: 740 } });

	test('the instances pages fit the screen without sideways scrolling', async ({ page }) => {
		await page.goto('/admin/instances');
		const card = page.getByRole('article', { name });
		await expect(card).toBeVisible();
		const overflow = () =>
			page.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth
			);
		expect(await overflow()).toBeLessThanOrEqual(0);
		await card.getByRole('link', { name: 'Runs and settings' }).click();
		await expect(page.getByRole('heading', { name: 'Run history' })).toBeVisible();
		expect(await overflow()).toBeLessThanOrEqual(0);
	});
});

test('a member sees no Instances section and gets a 403', async ({ browser }) => {
	const { context, page } = await otherUser(browser, 'Milo Member');
	const response = await page.goto('/admin/instances');
	expect(response?.status()).toBe(403);
	await context.close();
});

// Imported usage appears under its instance, beside this Parley's own, through the same read model
// and rollups (the sync above refreshed them).
test('imported usage shows in the Usage dashboard under its instance', async ({ page }) => {
	await page.goto('/admin/usage');
	await expectShell(page);
	await page.getByLabel('Instance').selectOption({ label: name });
	const byModel = page.getByRole('table', { name: 'Models', exact: true });
	for (const model of ['gpt-4o', 'llama3.1:8b', 'claude-sonnet']) {
		await expect(byModel).toContainText(model);
	}
	await page.getByLabel('Instance').selectOption({ label: 'This Parley' });
	await expect(page).toHaveURL(/instance=local/);
	// This Parley's own answers only (the table is gone when it has none in the range).
	await expect(byModel.getByText('claude-sonnet')).toHaveCount(0);
});
