import type { Browser, Page } from '@playwright/test';

/** Launches Debian's Chromium, as Playwright's config does for the e2e tests. */
export async function launchChromium(): Promise<Browser> {
	const { chromium } = await import('@playwright/test');
	return chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking']
	});
}

/**
 * Opens an app page and waits until its realtime connection is up: it only opens from the
 * browser, so then the page's scripts run and what they render can be checked.
 */
export async function openApp(page: Page, path: string): Promise<void> {
	await page.goto(path);
	await page.getByRole('status', { name: 'Connection: Connected' }).waitFor({ state: 'attached' });
}
