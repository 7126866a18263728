import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import {
	ADMIN,
	ADMIN_STATE,
	expectShell,
	findUserRow,
	freshContext,
	logIn,
	newUser,
	otherUser,
	submitSignUp
} from './support.ts';

test.use({ storageState: ADMIN_STATE });

const approvalSwitch = (page: Page) =>
	page.getByRole('switch', { name: 'Require admin approval for new accounts' });

/** Turns the approval setting on or off through the admin page. */
async function setApproval(page: Page, on: boolean) {
	await page.goto('/admin/users');
	await expectShell(page);
	const toggle = approvalSwitch(page);
	if ((await toggle.getAttribute('aria-checked')) !== String(on)) await toggle.click();
	await expect(toggle).toHaveAttribute('aria-checked', String(on));
}

test('/admin opens the users page with the admin sections', async ({ page }) => {
	await page.goto('/admin');
	await expect(page).toHaveURL(/\/admin\/users$/);
	const sections = page.getByRole('navigation', { name: 'Admin sections' });
	await expect(sections.getByRole('link', { name: 'Users' })).toHaveAttribute(
		'aria-current',
		'page'
	);
	await expect(sections.getByText('Usage')).toBeVisible();
	await expect(page.getByRole('row').filter({ hasText: ADMIN.email })).toContainText('You');
});

test('a pending user waits until an admin approves them', async ({ page, browser }) => {
	await setApproval(page, true);
	try {
		const context = await freshContext(browser);
		const waiting = await context.newPage();
		const user = newUser('Pat Pending');
		await submitSignUp(waiting, user);
		await expect(waiting).toHaveURL(/\/pending$/);
		await expect(waiting.getByRole('heading', { name: 'Waiting for approval' })).toBeVisible();
		await waiting.goto('/channels');
		await expect(waiting).toHaveURL(/\/pending$/);

		await page.goto('/admin/users');
		await expect(page.getByRole('heading', { name: /Users/ })).toContainText(/\d+ pending/);
		const row = await findUserRow(page, user.email);
		await expect(row).toContainText('Pending');
		await row.getByRole('button', { name: `Approve ${user.name}` }).click();
		await expect(page.getByRole('status').filter({ hasText: 'can use Parley now' })).toBeVisible();
		await expect(row).toContainText('Active');

		await waiting.reload();
		await expect(waiting).toHaveURL(/\/channels$/);
		await expectShell(waiting);
		await context.close();
	} finally {
		await setApproval(page, false);
	}
});

test('a member sees no Admin link and gets a 403 on admin pages', async ({ browser }) => {
	const { context, page } = await otherUser(browser, 'Nora Member');
	await expect(
		page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' })
	).toHaveCount(0);
	const response = await page.goto('/admin/users');
	expect(response?.status()).toBe(403);
	await expect(
		page.getByRole('heading', { name: 'You don’t have access to this page' })
	).toBeVisible();
	await expect(page.getByText('Only admins can open this page.')).toBeVisible();
	await context.close();
});

test('demoting the last admin is refused with a message on the row', async ({ page }) => {
	const row = await findUserRow(page, ADMIN.email);
	await expectShell(page);
	await row.getByRole('combobox', { name: `Role for ${ADMIN.name}` }).selectOption('user');
	await row.getByRole('button', { name: `Save role for ${ADMIN.name}` }).click();
	await expect(page.getByRole('alert')).toHaveText('Parley needs at least one active admin.');
	await page.reload();
	await expect(page.getByRole('combobox', { name: `Role for ${ADMIN.name}` })).toHaveValue('admin');
});

test('an admin changes a role, then deactivates and reactivates the account', async ({
	page,
	browser
}) => {
	const other = await otherUser(browser, 'Remy Roles');
	const { user } = other;

	let row = await findUserRow(page, user.email);
	await expectShell(page);
	await row.getByRole('combobox', { name: `Role for ${user.name}` }).selectOption('admin');
	await row.getByRole('button', { name: `Save role for ${user.name}` }).click();
	await expect(page.getByText(`${user.name} is now an admin.`)).toBeVisible();
	await row.getByRole('combobox', { name: `Role for ${user.name}` }).selectOption('user');
	await row.getByRole('button', { name: `Save role for ${user.name}` }).click();
	await expect(page.getByText(`${user.name} is now a member.`)).toBeVisible();

	// Deactivation ends their sessions at once: their open tab is sent to the sign-in page.
	await row.getByRole('button', { name: `Deactivate ${user.name}` }).click();
	await expect(row).toContainText('Deactivated');
	await expect(other.page).toHaveURL(/\/login/);
	await logIn(other.page, user.email, user.password);
	await expect(other.page.getByRole('alert')).toContainText('This account has been deactivated.');

	row = await findUserRow(page, user.email);
	await row.getByRole('button', { name: `Reactivate ${user.name}` }).click();
	await expect(row).toContainText('Active');
	await logIn(other.page, user.email, user.password);
	await expect(other.page).toHaveURL(/\/channels$/);
	await other.context.close();
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('the user search and the row actions still work', async ({ page, browser }) => {
		const other = await otherUser(browser, 'Sam Finder');
		await other.context.close();

		await page.goto('/admin/users');
		await page.getByRole('searchbox', { name: 'Search users' }).fill(other.user.email);
		await page.getByRole('button', { name: 'Search', exact: true }).click();
		await expect(page).toHaveURL(/\?q=/);
		const rows = page.getByRole('row');
		await expect(rows).toHaveCount(2); // the header row and one user
		await expect(rows.nth(1)).toContainText(other.user.name);

		await page.getByRole('button', { name: `Deactivate ${other.user.name}` }).click();
		await expect(page.getByText(`${other.user.name} has been deactivated`)).toBeVisible();
		// The search is kept after the action.
		await expect(page.getByRole('searchbox', { name: 'Search users' })).toHaveValue(
			other.user.email
		);
		await page.getByRole('button', { name: `Reactivate ${other.user.name}` }).click();
		await expect(page.getByText(`${other.user.name} can use Parley now.`)).toBeVisible();
	});
});

test('more than 50 matching users are split into pages that keep the search', async ({
	page,
	request,
	baseURL
}) => {
	// 51 accounts sharing a tag, created the way a browser without JavaScript signs up.
	const tag = `pagey${Date.now().toString(36)}`;
	for (let i = 0; i < 51; i += 1) {
		const response = await request.post('/signup', {
			headers: { origin: baseURL ?? '', accept: 'text/html' },
			form: {
				displayName: `Pagey ${String(i).padStart(2, '0')}`,
				email: `${tag}.${i}@parley.test`,
				password: 'a-good-password'
			},
			maxRedirects: 0
		});
		expect(response.status(), await response.text()).toBe(303);
	}

	await page.goto(`/admin/users?q=${tag}`);
	const pages = page.getByRole('navigation', { name: 'Pages' });
	await expect(pages).toContainText('Showing 1–50 of 51');
	await expect(page.getByRole('row')).toHaveCount(51); // header + 50
	await pages.getByRole('link', { name: 'Next' }).click();
	await expect(page).toHaveURL(new RegExp(`\\?q=${tag}&page=2$`));
	await expect(pages).toContainText('Showing 51–51 of 51');
	await expect(page.getByRole('row')).toHaveCount(2);
	await expect(page.getByRole('searchbox', { name: 'Search users' })).toHaveValue(tag);
	await pages.getByRole('link', { name: 'Previous' }).click();
	await expect(page).toHaveURL(new RegExp(`\\?q=${tag}$`));
});
