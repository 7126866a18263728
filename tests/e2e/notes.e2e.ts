import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { otherUser } from './support.ts';

/** Creates a note from the Notes section, names it, and returns its URL. */
async function createNote(page: Page, title: string): Promise<string> {
	await page.goto('/notes');
	await page.getByRole('button', { name: 'New note' }).click();
	await expect(page).toHaveURL(/\/notes\/[\w-]+$/);
	const field = page.getByLabel('Note title');
	await field.fill(title);
	await field.press('Enter');
	await expect(page).toHaveTitle(`${title} · Parley`);
	return page.url();
}

/** Shares the open note with someone, from the Share dialog. */
async function shareWith(page: Page, name: string, role: 'Can edit' | 'Can view'): Promise<void> {
	await page.getByRole('button', { name: 'Share', exact: true }).click();
	const dialog = page.getByRole('dialog');
	await dialog.getByPlaceholder('Add people').fill(name);
	await dialog.getByRole('button', { name }).click();
	await dialog.getByLabel('Access for the people added').selectOption({ label: role });
	await dialog.getByRole('button', { name: 'Share', exact: true }).click();
	await expect(dialog.getByRole('list', { name: 'People with access' })).toContainText(name);
	await dialog.getByRole('button', { name: 'Close' }).click();
}

function editor(page: Page) {
	return page.getByRole('textbox', { name: 'Note content' });
}

/** The note's text without the other people's caret labels. */
function noteText(page: Page): Promise<string> {
	return editor(page).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
		return copy.textContent ?? '';
	});
}

test('two people edit a note together: live text, a named caret, presence', async ({ browser }) => {
	const ana = await otherUser(browser, 'Ana Notes');
	const bo = await otherUser(browser, 'Bo Notes');
	const url = await createNote(ana.page, 'Team plan');
	await shareWith(ana.page, 'Bo Notes', 'Can edit');

	await bo.page.goto('/notes');
	await bo.page.getByRole('link', { name: /Team plan/ }).click();
	await expect(editor(bo.page)).toBeVisible();
	expect(bo.page.url()).toBe(url);

	await editor(ana.page).click();
	await ana.page.keyboard.type('Hello from Ana. ');
	await expect(editor(bo.page)).toContainText('Hello from Ana.');

	await editor(bo.page).click();
	await bo.page.keyboard.press('End');
	await bo.page.keyboard.type('And Bo.');
	await expect(editor(ana.page)).toContainText('Hello from Ana. And Bo.');

	// Bo's caret, labelled with his name, sits in Ana's editor; both see each other as present.
	await expect(
		ana.page.locator('.collaboration-carets__label', { hasText: 'Bo Notes' })
	).toBeVisible();
	await expect(ana.page.getByRole('list', { name: 'Also in this note: Bo Notes' })).toBeVisible();
	await expect(bo.page.getByRole('list', { name: 'Also in this note: Ana Notes' })).toBeVisible();
	await expect(ana.page.getByRole('status', { name: 'Sync: Saved' })).toBeAttached();

	// Leaving the note takes Bo's caret and avatar away for Ana.
	await bo.page.goto('/notes');
	await expect(ana.page.locator('.collaboration-carets__label')).toHaveCount(0);
	await expect(ana.page.getByRole('list', { name: /Also in this note/ })).toHaveCount(0);

	await ana.context.close();
	await bo.context.close();
});

test('edits made while offline merge when the connection comes back', async ({ browser }) => {
	// Socket.IO's reconnect backoff can add several seconds on a busy machine.
	test.setTimeout(60_000);
	const ana = await otherUser(browser, 'Ana Offline Notes');
	const bo = await otherUser(browser, 'Bo Offline Notes');
	const url = await createNote(ana.page, 'Offline plan');
	await shareWith(ana.page, 'Bo Offline Notes', 'Can edit');

	await bo.page.goto(url);
	await editor(ana.page).click();
	await ana.page.keyboard.type('Online first. ');
	await expect(editor(bo.page)).toContainText('Online first.');

	// The browser's "offline" event makes Socket.IO drop its connection; while cut, every attempt
	// to reconnect is refused at the WebSocket level too.
	let cut = true;
	await ana.page.routeWebSocket(/socket\.io/, (ws) => {
		if (cut) return ws.close({ code: 1006, reason: 'offline' });
		ws.connectToServer();
	});
	await ana.context.setOffline(true);
	await ana.page.evaluate(() => window.dispatchEvent(new Event('offline')));
	await expect(ana.page.getByRole('status', { name: 'Connection: Offline' })).toBeAttached();

	await ana.page.keyboard.type('Typed while offline.');
	await expect(
		ana.page.getByRole('status', { name: /Sync: Offline — your changes will sync/ })
	).toBeAttached();
	await editor(bo.page).click();
	await bo.page.keyboard.press('Control+Home');
	await bo.page.keyboard.type('Bo meanwhile. ');
	await bo.page.waitForTimeout(500);
	await expect(editor(bo.page)).not.toContainText('Typed while offline.');

	cut = false;
	await ana.context.setOffline(false);
	await ana.page.evaluate(() => window.dispatchEvent(new Event('online')));
	await expect(ana.page.getByRole('status', { name: 'Connection: Connected' })).toBeAttached({
		timeout: 20_000
	});
	await expect(editor(bo.page)).toContainText('Typed while offline.');
	await expect(editor(ana.page)).toContainText('Bo meanwhile.');
	await expect(ana.page.getByRole('status', { name: 'Sync: Saved' })).toBeAttached();
	const merged = 'Bo meanwhile. Online first. Typed while offline.';
	await expect.poll(() => noteText(ana.page)).toBe(merged);
	await expect.poll(() => noteText(bo.page)).toBe(merged);

	await bo.page.reload();
	await expect.poll(() => noteText(bo.page)).toBe(merged);

	await ana.context.close();
	await bo.context.close();
});

test('Markdown shortcuts, the toolbar, and an export that matches the content', async ({
	browser
}) => {
	const ana = await otherUser(browser, 'Ana Export');
	await createNote(ana.page, 'Export me');
	await editor(ana.page).click();
	const keys = ana.page.keyboard;
	await keys.type('## Agenda\n');
	await keys.type('Some **bold** and *italic* text.\n');
	await keys.type('- first\nsecond\n\n');
	await keys.type('[ ] a task\n\n');
	await keys.type('```js\nlet x = 1;');
	await keys.press('ArrowDown');

	// The toolbar reports the format at the cursor and toggles it.
	const bold = ana.page.getByRole('button', { name: 'Bold', exact: true });
	await keys.type('Plain ');
	await expect(bold).toHaveAttribute('aria-pressed', 'false');
	await bold.click();
	await expect(bold).toHaveAttribute('aria-pressed', 'true');
	await keys.type('strong');
	await expect(ana.page.getByRole('status', { name: 'Sync: Saved' })).toBeAttached();

	await ana.page.getByText('Export', { exact: true }).click();
	const download = ana.page.waitForEvent('download');
	await ana.page.getByRole('link', { name: 'Markdown (.md)' }).click();
	const file = await download;
	expect(file.suggestedFilename()).toBe('export-me.md');
	const markdown = await readFile(await file.path(), 'utf8');
	expect(markdown).toBe(
		[
			'## Agenda',
			'',
			'Some **bold** and *italic* text.',
			'',
			'- first',
			'- second',
			'',
			'- [ ] a task',
			'',
			'```js',
			'let x = 1;',
			'```',
			'',
			'Plain **strong**',
			''
		].join('\n')
	);
	await ana.context.close();
});

test('a script address is refused beside the link field; a web address becomes a link', async ({
	browser
}) => {
	const ana = await otherUser(browser, 'Ana Links');
	await createNote(ana.page, 'Links');
	await editor(ana.page).click();
	await ana.page.keyboard.type('Read the docs');
	await ana.page.keyboard.press('Shift+Home');
	await ana.page.getByRole('button', { name: 'Link', exact: true }).click();
	const address = ana.page.getByRole('textbox', { name: 'Address' });
	await address.fill('javascript:alert(1)');
	await ana.page.getByRole('button', { name: 'Save' }).click();
	await expect(address).toHaveAttribute('aria-invalid', 'true');
	await expect(address).toHaveAccessibleDescription(/can't be a link/);
	await expect(editor(ana.page).locator('a')).toHaveCount(0);

	await address.fill('example.com/guide');
	await ana.page.getByRole('button', { name: 'Save' }).click();
	await expect(address).toBeHidden();
	await expect(editor(ana.page).getByRole('link', { name: 'Read the docs' })).toHaveAttribute(
		'href',
		'https://example.com/guide'
	);
	await ana.context.close();
});

test.describe('on a 375 px wide phone', () => {
	test.use({ viewport: { width: 375, height: 740 } });

	test('the list and a note each fill the screen without sideways scrolling', async ({
		browser
	}) => {
		const ana = await otherUser(browser, 'Ana Phone');
		await ana.page.setViewportSize({ width: 375, height: 740 });
		await createNote(ana.page, 'Pocket note');
		await expect(editor(ana.page)).toBeVisible();
		await expect(ana.page.getByRole('toolbar', { name: 'Formatting' })).toBeVisible();
		const overflow = () =>
			ana.page.evaluate(
				() => document.documentElement.scrollWidth - document.documentElement.clientWidth
			);
		expect(await overflow()).toBeLessThanOrEqual(0);
		await ana.page.getByRole('link', { name: 'All notes' }).click();
		await expect(ana.page.getByRole('link', { name: /Pocket note/ })).toBeVisible();
		expect(await overflow()).toBeLessThanOrEqual(0);
		await ana.context.close();
	});
});
