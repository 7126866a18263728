import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { otherUser } from './support.ts';

/** Creates a public channel from the channel list and opens it. */
async function createChannel(page: Page, name: string): Promise<void> {
	await page.goto('/channels');
	await page.getByRole('button', { name: 'New channel' }).click();
	await page.getByLabel('Name').fill(name);
	await page.getByRole('button', { name: 'Create channel' }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();
}

async function joinChannel(page: Page, name: string): Promise<void> {
	await page.goto('/channels');
	await page.getByRole('button', { name: 'Browse' }).click();
	const row = page.getByRole('listitem').filter({ hasText: `# ${name}` });
	await row.getByRole('button', { name: 'Join' }).click();
	await expect(page.getByRole('heading', { name })).toBeVisible();
}

async function send(page: Page, channel: string, text: string): Promise<void> {
	const composer = page.getByLabel(`Message ${channel}`);
	await composer.fill(text);
	await composer.press('Enter');
}

test('two people chat live: messages, typing, reactions, threads and unread badges', async ({
	browser
}) => {
	const ana = await otherUser(browser, 'Ana Live');
	const bo = await otherUser(browser, 'Bo Live');
	const channel = `live-${Date.now().toString(36)}`;
	await createChannel(ana.page, channel);
	await joinChannel(bo.page, channel);

	const anaLog = ana.page.getByRole('log', { name: 'Messages' });
	const boLog = bo.page.getByRole('log', { name: 'Messages' });

	await send(ana.page, channel, 'Hello **Bo**');
	await expect(boLog.getByText('Hello Bo')).toBeVisible();
	await expect(boLog.locator('strong', { hasText: 'Bo' })).toBeVisible();

	// Typing shows on the other side and goes away once the message arrives.
	await bo.page.getByLabel(`Message ${channel}`).pressSequentially('typing…');
	await expect(ana.page.getByText('Bo Live is typing…')).toBeVisible();
	await bo.page.getByLabel(`Message ${channel}`).press('Enter');
	await expect(anaLog.getByText('typing…')).toBeVisible();
	await expect(ana.page.getByText('Bo Live is typing…')).toBeHidden();

	// A reaction appears on the other side with its count.
	const anaMessage = boLog.getByRole('article', { name: 'Message from Ana Live' });
	await anaMessage.hover();
	await anaMessage.getByRole('button', { name: 'Add reaction' }).click();
	await bo.page.getByRole('menuitem', { name: 'React with 🎉' }).click();
	await expect(anaLog.getByRole('button', { name: /🎉 1, Bo Live reacted/ })).toBeVisible();

	// A thread reply shows in the thread and as a reply count on the root for the other person.
	const root = anaLog.getByRole('article', { name: 'Message from Ana Live' });
	await root.hover();
	await root.getByRole('button', { name: 'Reply in thread' }).click();
	const thread = ana.page.getByRole('complementary', { name: 'Thread' });
	await thread.getByLabel('Reply in thread').fill('A reply in the thread');
	await thread.getByLabel('Reply in thread').press('Enter');
	await expect(thread.getByText('A reply in the thread')).toBeVisible();
	await expect(boLog.getByRole('button', { name: /1 reply/ })).toBeVisible();

	// Away from the channel, new messages show as an unread badge.
	await bo.page.goto('/chats');
	await send(ana.page, channel, 'Are you there?');
	const nav = bo.page.getByRole('navigation', { name: 'Main' });
	await expect(nav.getByLabel('1 unread')).toBeVisible();
	await bo.page.goto('/channels');
	await expect(
		bo.page.getByRole('navigation', { name: 'Channels' }).getByLabel('1 unread')
	).toBeVisible();

	await ana.context.close();
	await bo.context.close();
});

test('a message written while offline shows as sending and arrives exactly once after reconnecting', async ({
	browser
}) => {
	const ana = await otherUser(browser, 'Ana Offline');
	const bo = await otherUser(browser, 'Bo Offline');
	const channel = `offline-${Date.now().toString(36)}`;
	await createChannel(ana.page, channel);
	await joinChannel(bo.page, channel);

	// Going offline does not close an open WebSocket, so cut the socket too.
	let cut = true;
	await ana.page.routeWebSocket(/socket\.io/, (ws) => {
		if (cut) return ws.close({ code: 1006, reason: 'offline' });
		ws.connectToServer();
	});
	await ana.context.setOffline(true);
	await ana.page.evaluate(() => window.dispatchEvent(new Event('offline')));
	await expect(ana.page.getByRole('status', { name: 'Connection: Offline' })).toBeAttached();

	await send(ana.page, channel, 'written while offline');
	await expect(ana.page.getByText('Sending…')).toBeVisible();

	cut = false;
	await ana.context.setOffline(false);
	await ana.page.evaluate(() => window.dispatchEvent(new Event('online')));
	await expect(ana.page.getByRole('status', { name: 'Connection: Connected' })).toBeAttached({
		timeout: 20_000
	});
	const boLog = bo.page.getByRole('log', { name: 'Messages' });
	await expect(boLog.getByText('written while offline')).toHaveCount(1);
	await expect(ana.page.getByText('Sending…')).toBeHidden();
	await bo.page.reload();
	await expect(
		bo.page.getByRole('log', { name: 'Messages' }).getByText('written while offline')
	).toHaveCount(1);

	await ana.context.close();
	await bo.context.close();
});
