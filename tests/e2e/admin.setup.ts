import { expect, test as setup } from '@playwright/test';
import { ADMIN, ADMIN_STATE, expectShell, submitSignUp } from './support.ts';

setup('the first sign-up becomes the admin and lands in the app shell', async ({ page }) => {
	await page.goto('/signup');
	await expect(page.getByText('You are the first here')).toBeVisible();

	await submitSignUp(page, ADMIN);
	await expect(page).toHaveURL(/\/channels$/);
	await expectShell(page);

	const nav = page.getByRole('navigation', { name: 'Main' });
	for (const name of ['Channels', 'Chats', 'Notes', 'Admin']) {
		await expect(nav.getByRole('link', { name })).toBeVisible();
	}
	await expect(page.getByRole('button', { name: `Account menu: ${ADMIN.name}` })).toBeVisible();

	await page.context().storageState({ path: ADMIN_STATE });
});
