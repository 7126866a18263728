import { expect, type Page } from '@playwright/test';
import { expectShell } from './support.ts';

/** A provider's card on Admin → Providers, found by its heading. */
export function providerCard(page: Page, name: string) {
	return page.getByRole('region', { name: new RegExp(`^${name}\\b`) });
}

/** Fills and sends the "Add a provider" form. */
export async function submitProvider(
	page: Page,
	provider: { name: string; baseUrl: string; apiKey?: string }
): Promise<void> {
	await page.goto('/admin/providers');
	await expectShell(page);
	const form = page.getByRole('region', { name: 'Add a provider' });
	await form.getByLabel('Name').fill(provider.name);
	await form.getByLabel('Base URL').fill(provider.baseUrl);
	await form.getByLabel('API key').fill(provider.apiKey ?? '');
	await form.getByRole('button', { name: 'Add provider' }).click();
	await expect(page.getByText(`${provider.name} was added.`)).toBeVisible();
}

/**
 * The whole admin set-up through the Providers page: add the provider, test the connection, fetch
 * its models and make `defaultModel` the default (which enables it).
 */
export async function addProvider(
	page: Page,
	provider: { name: string; baseUrl: string; apiKey?: string; defaultModel: string }
): Promise<void> {
	await submitProvider(page, provider);
	const card = providerCard(page, provider.name);
	await card.getByRole('button', { name: 'Test connection' }).click();
	await expect(card.getByText(/^Connected: the provider offers \d+ models?\./)).toBeVisible();
	await card.getByRole('button', { name: 'Refresh models' }).click();
	await expect(card.getByText(/Found \d+ new models?/)).toBeVisible();
	await card.getByRole('radio', { name: `Default model: ${provider.defaultModel}` }).check();
	await expect(card.getByText('is the default model now.')).toBeVisible();
	await expect(
		card.getByRole('switch', { name: `${provider.defaultModel} enabled` })
	).toHaveAttribute('aria-checked', 'true');
}
