import { expect, test } from './fixtures.ts';
import { expectShell, freshContext, logIn, newUser, signUp } from './support.ts';

test('changing the profile shows the new name everywhere', async ({ page }) => {
	await signUp(page, newUser('Pia Profile'));
	await page.goto('/settings');
	await expectShell(page);
	await expect(page.getByTestId('page-title')).toContainText('Profile');

	await page.getByLabel('Display name').fill('Pia Renamed');
	await page.getByRole('button', { name: 'Emerald' }).click();
	await expect(page.getByLabel('Avatar colour')).toHaveValue('#10b981');
	await page.getByRole('button', { name: 'Save profile' }).click();

	await expect(page.getByText('Profile saved.')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Account menu: Pia Renamed' })).toBeVisible();
	await page.reload();
	await expect(page.getByLabel('Display name')).toHaveValue('Pia Renamed');
	await expect(page.getByLabel('Avatar colour')).toHaveValue('#10b981');
});

test('profile errors appear beside the field, which gets focus', async ({ page }) => {
	await signUp(page, newUser('Ivy Invalid'));
	await page.goto('/settings');
	await expectShell(page);
	await page.getByLabel('Display name').fill('   ');
	await page.getByRole('button', { name: 'Save profile' }).click();
	const field = page.getByLabel('Display name');
	await expect(page.getByText('Enter a display name.')).toBeVisible();
	await expect(field).toHaveAttribute('aria-invalid', 'true');
	await expect(field).toBeFocused();
});

test('changing the password keeps this session and ends the others', async ({ page, browser }) => {
	const user = await signUp(page, newUser('Paz Password'));
	const otherContext = await freshContext(browser);
	const other = await otherContext.newPage();
	await logIn(other, user.email, user.password);
	await expectShell(other);

	await page.goto('/settings');
	await expectShell(page);
	await page.getByLabel('Current password').fill('wrong-password');
	await page.getByLabel('New password').fill('a-newer-password');
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByText('Your current password is incorrect.')).toBeVisible();

	await page.getByLabel('Current password').fill(user.password);
	await page.getByLabel('New password').fill('a-newer-password');
	await page.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByText('Password changed.')).toBeVisible();
	await expect(page.getByLabel('Current password')).toHaveValue('');

	// The other session is told at once and sent to the sign-in page.
	await expect(other).toHaveURL(/\/login/);
	await page.reload();
	await expect(page).toHaveURL(/\/settings$/);
	await expectShell(page);

	await logIn(other, user.email, user.password);
	await expect(other.getByRole('alert')).toHaveText('Incorrect email or password.');
	await logIn(other, user.email, 'a-newer-password');
	await expect(other).toHaveURL(/\/channels$/);
	await otherContext.close();
});

test('the appearance setting and the header switcher stay in step', async ({ page }) => {
	await signUp(page, newUser('Theo Theme'));
	await page.goto('/settings');
	await expectShell(page);
	const appearance = page.getByRole('region', { name: 'Appearance' });
	await appearance.getByRole('radio', { name: 'Dark' }).check();
	await expect(page.locator('html')).toHaveClass(/\bdark\b/);
	await expect(page.getByRole('banner').getByRole('radio', { name: 'Dark' })).toBeChecked();
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('the profile form still saves', async ({ page }) => {
		const user = newUser('Nox Script');
		await page.goto('/signup');
		await page.getByLabel('Display name').fill(user.name);
		await page.getByLabel('Email').fill(user.email);
		await page.getByLabel('Password').fill(user.password);
		await page.getByRole('button', { name: 'Create account' }).click();
		await expect(page).toHaveURL(/\/channels$/);

		await page.goto('/settings');
		await page.getByLabel('Display name').fill('Nox Saved');
		await page.getByRole('button', { name: 'Save profile' }).click();
		await expect(page.getByText('Profile saved.')).toBeVisible();
		await expect(page.getByRole('button', { name: 'Account menu: Nox Saved' })).toBeVisible();
	});
});
