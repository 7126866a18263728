import { test as base, expect, type BrowserContext } from '@playwright/test';

export { expect };

/**
 * Playwright's `test`, failing any test during which a page reported a Content-Security-Policy
 * violation (Chromium logs each as a console error), in its own context or in any context the test
 * opened itself.
 */
export const test = base.extend<{ cspGuard: undefined }>({
	cspGuard: [
		async ({ context, browser }, use) => {
			const violations: string[] = [];
			const watch = (watched: BrowserContext) =>
				watched.on('console', (message) => {
					if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
						violations.push(message.text());
					}
				});
			watch(context);
			const newContext = browser.newContext.bind(browser);
			browser.newContext = async (options) => {
				const opened = await newContext(options);
				watch(opened);
				return opened;
			};
			await use(undefined);
			browser.newContext = newContext;
			expect(violations, 'Content-Security-Policy violations').toEqual([]);
		},
		{ auto: true }
	]
});
