import { expect, type Browser, type Page } from '@playwright/test';

/** The first account, created by admin.setup.ts; its signed-in state is saved to ADMIN_STATE. */
export const ADMIN = {
	name: 'Ada Admin',
	email: 'ada.admin@parley.test',
	password: 'ada-admin-password'
} as const;
export const ADMIN_STATE = 'test-results/e2e-auth/admin.json';

/**
 * The port a file's fake listens on: playwright.config.ts reserves them and lists them in the
 * server's OUTBOUND_ALLOW (the server refuses 127.0.0.1 otherwise).
 */
export function fakePort(fake: 'openai' | 'openai-keyed' | 'open-webui'): number {
	const ports = (process.env.PARLEY_E2E_FAKE_PORTS ?? '').split(',').map(Number);
	const port = ports[['openai', 'openai-keyed', 'open-webui'].indexOf(fake)];
	if (!port) {
		throw new Error('PARLEY_E2E_FAKE_PORTS is not set: run the e2e tests through Playwright.');
	}
	return port;
}

let counter = 0;
/** A unique email, so tests never collide in the shared database. */
export function uniqueEmail(tag = 'user'): string {
	counter += 1;
	return `${tag}.${Date.now().toString(36)}.${process.pid}.${counter}@parley.test`;
}

export interface TestUser {
	name: string;
	email: string;
	password: string;
}

export function newUser(name = 'Test User'): TestUser {
	return {
		name,
		email: uniqueEmail(name.split(' ')[0].toLowerCase()),
		password: 'a-good-password'
	};
}

/** Fills and sends the sign-up form; does not wait for where it lands. */
export async function submitSignUp(page: Page, user: TestUser): Promise<void> {
	await page.goto('/signup');
	await page.getByLabel('Display name').fill(user.name);
	await page.getByLabel('Email').fill(user.email);
	await page.getByLabel('Password').fill(user.password);
	await page.getByRole('button', { name: 'Create account' }).click();
}

/** Signs up an active user and waits for the app shell. */
export async function signUp(page: Page, user: TestUser = newUser()): Promise<TestUser> {
	await submitSignUp(page, user);
	await expectShell(page);
	return user;
}

export async function logIn(page: Page, email: string, password: string): Promise<void> {
	await page.goto('/login');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Waits until the app shell is up and hydrated: the realtime connection only opens from the
 * browser, so "Connected" also means the page's scripts are running.
 */
export async function expectShell(page: Page): Promise<void> {
	await expect(page.getByRole('status', { name: 'Connection: Connected' })).toBeAttached();
}

/**
 * A separate browser session with no cookies and with JavaScript. (Inside a test,
 * `browser.newContext()` inherits the file's `use` options, such as a signed-in `storageState`.)
 */
export function freshContext(browser: Browser) {
	return browser.newContext({
		storageState: { cookies: [], origins: [] },
		javaScriptEnabled: true
	});
}

/** A second, separate browser session with a freshly signed-up user. */
export async function otherUser(browser: Browser, name = 'Other User') {
	const context = await freshContext(browser);
	const page = await context.newPage();
	const user = await signUp(page, newUser(name));
	return { context, page, user };
}

/** Opens the admin users page filtered to one email and returns that user's row. */
export async function findUserRow(page: Page, email: string) {
	await page.goto(`/admin/users?q=${encodeURIComponent(email)}`);
	const row = page.getByRole('row').filter({ hasText: email });
	await expect(row).toHaveCount(1);
	return row;
}
