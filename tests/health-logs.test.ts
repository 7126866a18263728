import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpClient, connectError, openSocket, ping } from './helpers/client.ts';
import { useParley } from './helpers/kit.ts';

const { version } = JSON.parse(
	readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8')
) as { version: string };

const server = useParley({ env: { LOG_LEVEL: 'trace' } });

describe('GET /healthz', () => {
	it('answers 200 with status, database and version, uncached and without signing in', async () => {
		const response = await fetch(`${server.url}/healthz`);
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('no-store');
		expect(await response.json()).toEqual({
			status: 'ok',
			database: 'ok',
			version,
			uptimeSeconds: expect.any(Number)
		});
	});
});

describe('logs', () => {
	it('never contain the passwords, cookies or API tokens that went through the server', async () => {
		const secrets: string[] = [];
		const keep = (value: string | undefined) => {
			if (!value) throw new Error('expected a secret to record');
			secrets.push(value);
			return value;
		};
		const password = keep('Sup3r-secret-password-1');
		const newPassword = keep('Sup3r-secret-password-2');
		const { http: client, email } = await server.account(undefined, { password });
		keep(client.sessionToken);

		await new HttpClient(server.url).logIn(email, keep('Wrong-guess-password-3'));
		await new HttpClient(server.url).logIn('nobody@example.test', keep('Unknown-user-password-4'));
		const second = new HttpClient(server.url);
		expect((await second.logIn(email, password)).status).toBe(303);
		keep(second.sessionToken);

		const wrongCurrent = await client.json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: keep('Wrong-current-password-5'), newPassword }
		});
		expect(wrongCurrent.status).toBe(400);
		const malformed = await client.request('/api/v1/me/password', {
			method: 'POST',
			headers: { origin: server.url, 'content-type': 'application/json' },
			body: `{"currentPassword":"${keep('Malformed-body-password-6')}",`
		});
		expect(malformed.status).toBe(400);
		const changed = await client.json('/api/v1/me/password', {
			method: 'POST',
			body: { currentPassword: password, newPassword }
		});
		expect(changed.status).toBe(200);

		const created = await client.json<{ token: string; summary: { id: string } }>(
			'/api/v1/tokens',
			{ method: 'POST', body: { name: 'bot' } }
		);
		const token = keep(created.body.token);
		const bot = new HttpClient(server.url);
		expect((await bot.json('/api/v1/me', { token })).status).toBe(200);
		expect((await bot.json('/api/v1/me', { token: keep(`prl_${'z'.repeat(52)}`) })).status).toBe(
			401
		);
		const tokenSocket = await openSocket(bot, { token });
		const cookieSocket = await openSocket(client);
		expect(await ping(tokenSocket, { nonce: 'n' })).toMatchObject({ ok: true });
		await connectError(bot.socket({ token: keep(`prl_${'y'.repeat(52)}`) }));
		expect(
			(await bot.json(`/api/v1/tokens/${created.body.summary.id}`, { method: 'DELETE', token }))
				.status
		).toBe(204);
		tokenSocket.disconnect();
		cookieSocket.disconnect();

		// The server did log these requests, so the check below is not vacuous.
		const paths = server.logs.filter((l) => l.msg === 'request').map((l) => l.path);
		expect(paths).toEqual(expect.arrayContaining(['/login', '/api/v1/me/password', '/api/v1/me']));
		const output = server.output();
		for (const secret of secrets) expect(output, `log leaks ${secret}`).not.toContain(secret);
		expect(output).not.toMatch(/prl_[a-z2-7]{52}/);
		expect(output).not.toMatch(/\$argon2/);
	});
});
