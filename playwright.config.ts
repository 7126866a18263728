import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium against the production build (`npm run build` first).
 * Playwright loads this file in its main process and again in every worker; the port and data
 * folder are chosen once in the main process and handed to workers through the environment.
 */

/**
 * Asks the OS for `count` distinct free ports (held open together, so they differ), synchronously
 * (config files cannot await).
 */
function freePorts(count: number): string[] {
	return execFileSync(
		process.execPath,
		[
			'-e',
			`const net = require('node:net');
			 const servers = Array.from({ length: ${count} }, () => net.createServer());
			 Promise.all(servers.map((s) => new Promise((r) => s.listen(0, '127.0.0.1', r)))).then(() => {
			   process.stdout.write(servers.map((s) => s.address().port).join(','));
			   servers.forEach((s) => s.close());
			 });`
		],
		{ encoding: 'utf8' }
	)
		.trim()
		.split(',');
}

if (!process.env.PARLEY_E2E_PORT) {
	const [app, ...fakes] = freePorts(4);
	process.env.PARLEY_E2E_PORT = app;
	// The fakes the tests start (an OpenAI-compatible provider per file, an Open WebUI) listen on
	// ports chosen here, so the server may reach them (OUTBOUND_ALLOW); see support.ts `fakePort`.
	process.env.PARLEY_E2E_FAKE_PORTS = fakes.join(',');
}
if (!process.env.PARLEY_E2E_DATA_DIR) {
	// A fresh database for every run, deleted when the main process exits (after the server stops).
	const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-e2e-'));
	process.env.PARLEY_E2E_DATA_DIR = dataDir;
	process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
}

// The server gets this process's environment too. Without ORIGIN it takes the scheme and host of
// each connection, which is what a browser on baseURL sends; an inherited ORIGIN could differ.
delete process.env.ORIGIN;

const port = process.env.PARLEY_E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	// Keep Playwright's own output apart: it empties this folder when a run starts.
	outputDir: 'test-results/playwright',
	fullyParallel: false,
	workers: 1,
	forbidOnly: !!process.env.CI,
	retries: 0,
	timeout: 30_000,
	expect: { timeout: 10_000 },
	reporter: 'list',
	use: {
		baseURL,
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath: '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync'
			]
		}
	},
	projects: [
		// Signs up the first account (the admin) once; the other tests reuse its session.
		{ name: 'setup', testMatch: '**/*.setup.ts' },
		{
			name: 'chromium',
			dependencies: ['setup'],
			use: { ...devices['Desktop Chrome'] }
		}
	],
	webServer: {
		command: 'node server/index.ts',
		url: `${baseURL}/healthz`,
		reuseExistingServer: false,
		timeout: 60_000,
		gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
		env: {
			HOST: '127.0.0.1',
			PORT: port,
			DATA_DIR: process.env.PARLEY_E2E_DATA_DIR,
			// scripts/test.sh's PostgreSQL run hands over an empty database; otherwise SQLite in DATA_DIR.
			...(process.env.PARLEY_E2E_DATABASE_URL && {
				DATABASE_URL: process.env.PARLEY_E2E_DATABASE_URL
			}),
			LOG_LEVEL: 'warn',
			// Every test user signs up from 127.0.0.1.
			SIGNUP_MAX_PER_IP_PER_HOUR: '100000',
			OUTBOUND_ALLOW: (process.env.PARLEY_E2E_FAKE_PORTS ?? '')
				.split(',')
				.map((p) => `127.0.0.1:${p}`)
				.join(',')
		}
	}
});
