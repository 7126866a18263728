import { expect, test } from './fixtures.ts';
import { ADMIN, expectShell, logIn, newUser, signUp, submitSignUp } from './support.ts';

test('a new member signs up, logs out from the account menu and logs back in', async ({ page }) => {
	const user = await signUp(page, newUser('Mia Member'));
	await expect(page).toHaveURL(/\/channels$/);
	const nav = page.getByRole('navigation', { name: 'Main' });
	await expect(nav.getByRole('link', { name: 'Channels' })).toBeVisible();
	await expect(nav.getByRole('link', { name: 'Admin' })).toHaveCount(0);

	await page.getByRole('button', { name: /Account menu/ }).click();
	await page.getByRole('menuitem', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

	await logIn(page, user.email, user.password);
	await expect(page).toHaveURL(/\/channels$/);
	await expectShell(page);
	await expect(page.getByRole('button', { name: `Account menu: ${user.name}` })).toBeVisible();
});

test('a wrong password shows an error and keeps the email', async ({ page }) => {
	await logIn(page, ADMIN.email, 'not-the-password');
	await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
	await expect(page.getByLabel('Email')).toHaveValue(ADMIN.email);
	await expect(page).toHaveURL(/\/login/);
});

test('sign-up shows what to fix beside each field', async ({ page }) => {
	await submitSignUp(page, { name: ' ', email: 'not-an-email', password: 'short' });
	await expect(page.getByText('Enter a display name.')).toBeVisible();
	await expect(page.getByText('Enter a valid email address.')).toBeVisible();
	await expect(page.getByText('Use at least 8 characters.')).toBeVisible();
	await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
});

test('an app page asks signed-out visitors to sign in, then returns there', async ({ page }) => {
	const user = newUser('Nia Next');
	await signUp(page, user);
	await page.context().clearCookies();

	await page.goto('/settings/tokens');
	await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Ftokens$/);
	await page.getByLabel('Email').fill(user.email);
	await page.getByLabel('Password').fill(user.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/settings\/tokens$/);
	await expect(page.getByRole('heading', { name: 'Create an API token' })).toBeVisible();
});
