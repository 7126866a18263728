import { expect, test } from './fixtures.ts';
import { expectShell, newUser, signUp } from './support.ts';

test('a token’s secret is shown once, works, and stops working when revoked', async ({
	page,
	context,
	request
}) => {
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	await signUp(page, newUser('Tia Tokens'));
	await page.goto('/settings/tokens');
	await expectShell(page);
	await expect(page.getByText('No API tokens yet')).toBeVisible();

	await page.getByLabel('Token name').fill('Deploy bot');
	await page.getByRole('button', { name: 'Create token' }).click();
	const secretField = page.getByLabel('Your new API token');
	await expect(secretField).toHaveValue(/^prl_\w+/);
	await expect(secretField).toHaveAttribute('readonly', '');
	await expect(page.getByText('this is the only time Parley shows it')).toBeVisible();
	const secret = await secretField.inputValue();

	await page.getByRole('button', { name: 'Copy' }).click();
	await expect(page.getByText('Copied to the clipboard.')).toBeVisible();
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

	const list = page.getByRole('list', { name: 'API tokens' });
	await expect(list.getByRole('listitem')).toHaveCount(1);
	await expect(list).toContainText('Deploy bot');
	await expect(list).toContainText(`${secret.slice(0, 10)}…`);
	await expect(list).toContainText('Never');

	// The token authenticates API calls.
	const me = await request.get('/api/v1/me', { headers: { authorization: `Bearer ${secret}` } });
	expect(me.status()).toBe(200);

	await page.reload();
	await expect(page.getByLabel('Your new API token')).toHaveCount(0);
	await expect(page.getByText(secret)).toHaveCount(0);
	await expect(list).toContainText('Deploy bot');

	// Revoking asks first; cancelling keeps the token.
	await list.getByRole('button', { name: 'Revoke Deploy bot' }).click();
	const confirm = page.getByRole('group', { name: 'Confirm revoking Deploy bot' });
	await expect(confirm.getByRole('button', { name: 'Revoke token' })).toBeFocused();
	await confirm.getByRole('link', { name: 'Cancel' }).click();
	await expect(confirm).toHaveCount(0);
	await expect(list).toContainText('Deploy bot');

	await list.getByRole('button', { name: 'Revoke Deploy bot' }).click();
	await page.getByRole('button', { name: 'Revoke token' }).click();
	await expect(page.getByText('Token “Deploy bot” revoked.')).toBeVisible();
	await expect(page.getByText('No API tokens yet')).toBeVisible();

	const after = await request.get('/api/v1/me', { headers: { authorization: `Bearer ${secret}` } });
	expect(after.status()).toBe(401);
});

test('a token needs a name', async ({ page }) => {
	await signUp(page, newUser('Nell Noname'));
	await page.goto('/settings/tokens');
	await expectShell(page);
	await page.getByRole('button', { name: 'Create token' }).click();
	await expect(page.getByText('Name the token.')).toBeVisible();
	await expect(page.getByLabel('Token name')).toBeFocused();
	await expect(page.getByText('No API tokens yet')).toBeVisible();
});
