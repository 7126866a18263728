import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { ADMIN_STATE, expectShell, otherUser } from './support.ts';

// A browser away from UTC, so days and hours visibly follow its time zone.
test.use({ storageState: ADMIN_STATE, timezoneId: 'Europe/Berlin' });

/** Posts a channel message through the API, as the signed-in admin. */
async function postMessage(page: Page, baseURL: string) {
	const headers = { origin: baseURL };
	const channel = await page.request.post('/api/v1/channels', {
		headers,
		data: { kind: 'public', name: `usage-${Date.now().toString(36)}` }
	});
	expect(channel.status()).toBe(201);
	const { id } = (await channel.json()) as { id: string };
	const message = await page.request.post(`/api/v1/channels/${id}/messages`, {
		headers,
		data: { clientId: `e2e-usage-${Date.now()}`, body: 'Counting this one' }
	});
	expect(message.status()).toBe(201);
}

/** Whether a chart's canvas has anything drawn on it. */
function painted(page: Page, label: string) {
	return page
		.getByRole('img', { name: label })
		.locator('canvas')
		.evaluate((canvas: HTMLCanvasElement) => {
			const context = canvas.getContext('2d');
			if (!context || !canvas.width || !canvas.height) return false;
			const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
			for (let i = 3; i < data.length; i += 4) if (data[i] > 0) return true;
			return false;
		});
}

test('an admin opens Usage, switches range, sees charts and exports a CSV', async ({
	page,
	baseURL
}) => {
	await postMessage(page, baseURL ?? '');
	await page.goto('/admin');
	await page
		.getByRole('navigation', { name: 'Admin sections' })
		.getByRole('link', { name: 'Usage' })
		.click();
	await expect(page).toHaveURL(/\/admin\/usage/);
	await expectShell(page);
	// The page settles on the browser's time zone.
	await expect(page).toHaveURL(/tz=Europe%2FBerlin/);
	await expect(page.getByText(/\(Europe\/Berlin\), compared with/)).toBeVisible();
	const messages = page.locator('[data-metric="channelMessages"] p').nth(1);
	await expect(messages).toHaveText(/^\s*[1-9][\d.,KM]*\s*$/);

	await page.getByText('7 days', { exact: true }).click();
	await expect(page).toHaveURL(/range=7d/);
	await expect(page.getByText(/\(Europe\/Berlin\), compared with/)).toBeVisible();

	const chart = page.getByRole('img', {
		name: 'Messages per day, stacked by model and channel messages'
	});
	await expect(chart).toHaveAttribute('data-points', /^[1-9]\d*$/);
	await expect
		.poll(() => painted(page, 'Messages per day, stacked by model and channel messages'))
		.toBe(true);
	await expect.poll(() => painted(page, 'Active people per day')).toBe(true);

	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: 'Export CSV of Messages per day' }).click()
	]);
	expect(download.suggestedFilename()).toMatch(
		/^parley-usage-daily-messages-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/
	);
	const csv = await readFile((await download.path()) ?? '', 'utf8');
	const [header, ...rows] = csv.trimEnd().split('\r\n');
	expect(header).toBe('Day,Kind,Model,Messages');
	expect(rows.some((row) => /^\d{4}-\d{2}-\d{2},channel,,\d+$/.test(row))).toBe(true);

	// A person drills down into their models and trend.
	const person = page
		.getByRole('table', { name: 'People' })
		.locator('tbody')
		.getByRole('button')
		.first();
	const name = (await person.textContent())?.trim() ?? '';
	await person.click();
	await expect(page.getByRole('heading', { name: `Person: ${name}` })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Their models' })).toBeVisible();
});

test('a member cannot open the usage page', async ({ browser }) => {
	const { context, page } = await otherUser(browser, 'Nosy Member');
	const response = await page.goto('/admin/usage');
	expect(response?.status()).toBe(403);
	await expect(page.getByText('Only admins can open this page.')).toBeVisible();
	await expect(page.locator('canvas')).toHaveCount(0);
	const api = await page.request.get('/api/v1/admin/usage/summary');
	expect(api.status()).toBe(403);
	await context.close();
});

test('on a 375 px phone the usage page does not scroll sideways', async ({ page, baseURL }) => {
	await postMessage(page, baseURL ?? '');
	await page.setViewportSize({ width: 375, height: 812 });
	await page.goto('/admin/usage');
	const heatmap = page.getByRole('table', { name: /Messages and answers per weekday and hour/ });
	await expect(heatmap).toBeAttached();
	// The heatmap scrolls inside its own box; the page as a whole never does.
	const widths = await page.evaluate(() => ({
		document: document.documentElement.scrollWidth,
		body: document.body.scrollWidth,
		viewport: window.innerWidth
	}));
	expect(widths.document).toBeLessThanOrEqual(widths.viewport);
	expect(widths.body).toBeLessThanOrEqual(widths.viewport);
	// Its cells keep their screen-reader labels.
	await expect(heatmap.locator('td .sr-only').first()).toBeAttached();
});
