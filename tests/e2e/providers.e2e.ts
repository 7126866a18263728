import { expect, test } from './fixtures.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.ts';
import { providerCard, submitProvider } from './providers-support.ts';
import { ADMIN_STATE, expectShell, fakePort } from './support.ts';

test.use({ storageState: ADMIN_STATE });

let fake: FakeOpenAI;

test.beforeAll(async () => {
	// This one insists on a key, so a wrong key shows how failures read.
	fake = await startFakeOpenAI({ apiKey: 'sk-fake-right-key', port: fakePort('openai-keyed') });
});
test.afterAll(async () => {
	await fake?.close();
});

test('the admin sections link to Providers', async ({ page }) => {
	await page.goto('/admin/users');
	await expectShell(page);
	const sections = page.getByRole('navigation', { name: 'Admin sections' });
	await sections.getByRole('link', { name: 'Providers' }).click();
	await expect(page).toHaveURL(/\/admin\/providers$/);
	await expect(sections.getByRole('link', { name: 'Providers' })).toHaveAttribute(
		'aria-current',
		'page'
	);
	await expect(page.getByTestId('page-title')).toContainText('Providers');
});

test('the add form explains what is wrong beside each field', async ({ page }) => {
	await page.goto('/admin/providers');
	await expectShell(page);
	const form = page.getByRole('region', { name: 'Add a provider' });
	await form.getByLabel('Base URL').fill('not a url');
	await form.getByRole('button', { name: 'Add provider' }).click();
	await expect(form.getByText('Name the provider.')).toBeVisible();
	await expect(form.getByText('Enter a URL such as https://api.openai.com/v1.')).toBeVisible();
	await expect(form.getByLabel('Name')).toBeFocused();
	await expect(form.getByLabel('Base URL')).toHaveValue('not a url');
});

test('an internal base URL is refused beside the field, naming OUTBOUND_ALLOW', async ({
	page
}) => {
	await page.goto('/admin/providers');
	await expectShell(page);
	const form = page.getByRole('region', { name: 'Add a provider' });
	await form.getByLabel('Name').fill(`Internal ${Date.now().toString(36)}`);
	await form.getByLabel('Base URL').fill('http://2130706433:11435/v1');
	await form.getByRole('button', { name: 'Add provider' }).click();
	await expect(
		form.getByText(
			'127.0.0.1:11435 is a loopback address (this machine); to allow it, add 127.0.0.1:11435 to OUTBOUND_ALLOW.'
		)
	).toBeVisible();
	await form.getByLabel('Base URL').fill('http://169.254.169.254/latest');
	await form.getByRole('button', { name: 'Add provider' }).click();
	await expect(form.getByText(/Parley never connects there/)).toBeVisible();
});

test('an admin adds, tests, fixes, configures and deletes a provider', async ({ page }) => {
	const name = `Keyed ${Date.now().toString(36)}`;
	await submitProvider(page, { name, baseUrl: fake.url, apiKey: 'sk-fake-wrong-key' });
	const card = providerCard(page, name);
	await expect(card).toContainText('Stored');

	// A wrong key: the test says why.
	await card.getByRole('button', { name: 'Test connection' }).click();
	await expect(card.getByRole('alert')).toContainText(
		'Connection failed: The provider refused the API key (401)'
	);

	// Fix the key; it is never sent back to the browser.
	await card.getByText(`Edit ${name}`).click();
	await card.getByLabel('New API key').fill('sk-fake-right-key');
	await card.getByRole('button', { name: 'Save changes' }).click();
	await expect(card.getByText(`${name} was saved.`)).toBeVisible();
	expect(await page.content()).not.toContain('sk-fake-right-key');
	await card.getByRole('button', { name: 'Test connection' }).click();
	await expect(card.getByText('Connected: the provider offers 2 models.')).toBeVisible();

	// Models arrive disabled; enable one, name and price it.
	await card.getByRole('button', { name: 'Refresh models' }).click();
	await expect(card.getByText('Found 2 new models.')).toBeVisible();
	const reasoner = card.getByRole('switch', { name: 'fake-reasoner enabled' });
	await expect(reasoner).toHaveAttribute('aria-checked', 'false');
	await reasoner.click();
	await expect(reasoner).toHaveAttribute('aria-checked', 'true');
	await card.getByLabel('Display name for fake-reasoner').fill('Reasoner');
	await card.getByLabel('Input price per million tokens for fake-reasoner').fill('1.5');
	await card.getByLabel('Output price per million tokens for fake-reasoner').fill('-2');
	await card.getByRole('button', { name: 'Save fake-reasoner' }).click();
	await expect(card.getByRole('alert')).toContainText('Prices cannot be negative.');
	await card.getByLabel('Output price per million tokens for fake-reasoner').fill('6');
	await card.getByRole('button', { name: 'Save fake-reasoner' }).click();
	await expect(card.getByText('Reasoner was saved.')).toBeVisible();

	// Default: a radio across all providers; choosing it enables the model.
	await card.getByRole('radio', { name: 'Default model: fake-gpt' }).check();
	await expect(card.getByText('is the default model now.')).toBeVisible();
	await expect(card.getByRole('switch', { name: 'fake-gpt enabled' })).toHaveAttribute(
		'aria-checked',
		'true'
	);

	await page.reload();
	await expect(card.getByLabel('Display name for fake-reasoner')).toHaveValue('Reasoner');
	await expect(card.getByLabel('Input price per million tokens for fake-reasoner')).toHaveValue(
		'1.5'
	);
	await expect(card.getByRole('radio', { name: 'Default model: fake-gpt' })).toBeChecked();

	// The models can be picked in chats; disabling the provider hides them.
	await page.goto('/chats');
	await page.getByRole('button', { name: 'New chat', exact: true }).click();
	const picker = page.getByRole('combobox', { name: 'Model' });
	await expect(picker.getByRole('option', { name: `Reasoner · ${name}` })).toBeAttached();

	await page.goto('/admin/providers');
	await card.getByRole('button', { name: 'Disable' }).click();
	await expect(card.getByText(`${name} is disabled`)).toBeVisible();
	await page.goto('/chats');
	await page.getByRole('button', { name: 'New chat', exact: true }).click();
	await expect(picker).toBeVisible();
	await expect(picker.getByRole('option', { name: `Reasoner · ${name}` })).toHaveCount(0);

	await page.goto('/admin/providers');
	await card.getByRole('button', { name: 'Enable' }).click();
	await expect(card.getByText(`${name} is enabled.`)).toBeVisible();

	await card.getByRole('button', { name: 'Delete' }).click();
	await page
		.getByRole('group', { name: `Confirm deleting ${name}` })
		.getByRole('button', { name: 'Delete provider' })
		.click();
	await expect(page.getByText(`${name} was deleted.`)).toBeVisible();
	await expect(card).toHaveCount(0);
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('providers and models can still be managed', async ({ page }) => {
		const name = `Plain ${Date.now().toString(36)}`;
		await page.goto('/admin/providers');
		const form = page.getByRole('region', { name: 'Add a provider' });
		await form.getByLabel('Name').fill(name);
		await form.getByLabel('Base URL').fill(fake.url);
		await form.getByLabel('API key').fill('sk-fake-right-key');
		await form.getByRole('button', { name: 'Add provider' }).click();
		await expect(page.getByText(`${name} was added.`)).toBeVisible();

		const card = providerCard(page, name);
		await card.getByRole('button', { name: 'Refresh models' }).click();
		await expect(card.getByText('Found 2 new models.')).toBeVisible();
		await card.getByRole('switch', { name: 'fake-gpt enabled' }).click();
		await expect(card.getByRole('switch', { name: 'fake-gpt enabled' })).toHaveAttribute(
			'aria-checked',
			'true'
		);

		await card.getByRole('button', { name: 'Delete' }).click();
		await expect(page).toHaveURL(/\?delete=/);
		await page.getByRole('button', { name: 'Delete provider' }).click();
		await expect(page.getByText(`${name} was deleted.`)).toBeVisible();
	});
});
