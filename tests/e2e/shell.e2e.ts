import { expect, test } from './fixtures.ts';
import { ADMIN, ADMIN_STATE, expectShell } from './support.ts';

test.use({ storageState: ADMIN_STATE });

test('the header shows the page title, the connection and the user’s name', async ({ page }) => {
	await page.goto('/notes');
	await expectShell(page);
	await expect(page.getByTestId('page-title')).toHaveText('Notes');
	await expect(page.getByRole('status', { name: 'Connection: Connected' })).toBeAttached();
	await expect(page.getByRole('button', { name: `Account menu: ${ADMIN.name}` })).toContainText(
		ADMIN.name
	);
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chats' }).click();
	await expect(page.getByTestId('page-title')).toHaveText('Chats');
	await expect(page).toHaveTitle('Chats · Parley');
});

test('the chosen theme survives a reload', async ({ page }) => {
	await page.goto('/channels');
	await expectShell(page);
	await page.getByRole('radio', { name: 'Dark' }).check();
	await expect(page.locator('html')).toHaveClass(/\bdark\b/);

	await page.reload();
	await expect(page.locator('html')).toHaveClass(/\bdark\b/);
	await expect(page.getByRole('radio', { name: 'Dark' })).toBeChecked();

	await page.getByRole('radio', { name: 'Light' }).check();
	await page.reload();
	await expect(page.locator('html')).not.toHaveClass(/\bdark\b/);
});

test('“System” follows the operating system’s colour scheme', async ({ page }) => {
	await page.emulateMedia({ colorScheme: 'dark' });
	await page.goto('/channels');
	await expectShell(page);
	await page.getByRole('radio', { name: 'System' }).check();
	await expect(page.locator('html')).toHaveClass(/\bdark\b/);
	await page.emulateMedia({ colorScheme: 'light' });
	await expect(page.locator('html')).not.toHaveClass(/\bdark\b/);
});

test('the account menu works from the keyboard', async ({ page }) => {
	await page.goto('/channels');
	await expectShell(page);
	const trigger = page.getByRole('button', { name: /Account menu/ });
	await trigger.focus();
	await page.keyboard.press('ArrowDown');
	await expect(page.getByRole('menuitem', { name: 'Settings' })).toBeFocused();
	await page.keyboard.press('ArrowDown');
	await expect(page.getByRole('menuitem', { name: 'API tokens' })).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(page.getByRole('menu')).toHaveCount(0);
	await expect(trigger).toBeFocused();
});

test.describe('on a 375 px wide phone', () => {
	test.use({ viewport: { width: 375, height: 740 } });

	test('the sidebar opens from “Open navigation” and closes after navigating', async ({ page }) => {
		await page.goto('/channels');
		await expectShell(page);
		const nav = page.getByRole('navigation', { name: 'Main' });
		await expect(nav).toBeHidden();

		await page.getByRole('button', { name: 'Open navigation' }).click();
		await expect(nav).toBeVisible();
		await expect(nav.getByRole('link', { name: 'Channels' })).toBeFocused();
		await nav.getByRole('link', { name: 'Notes' }).click();
		await expect(page).toHaveURL(/\/notes$/);
		await expect(nav).toBeHidden();

		await page.getByRole('button', { name: 'Open navigation' }).click();
		await expect(nav).toBeVisible();
		await page.keyboard.press('Escape');
		await expect(nav).toBeHidden();
		await expect(page.getByRole('button', { name: 'Open navigation' })).toBeFocused();
	});

	// Wide content (the users table) may scroll inside its own box, never the whole page.
	test('pages fit the screen without sideways scrolling', async ({ page }) => {
		for (const path of [
			'/channels',
			'/chats',
			'/settings',
			'/settings/tokens',
			'/admin/users',
			'/admin/providers'
		]) {
			await page.goto(path);
			const overflow = await page.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth
			);
			expect(overflow, path).toBeLessThanOrEqual(0);
		}
	});
});
