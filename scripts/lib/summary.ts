/**
 * Adds up the checks and the Vitest and Playwright JSON reports into the one closing line CI reads:
 * `Tests: N passed, N failed`. Exits 1 when anything failed or a report is missing.
 */
import { existsSync, readFileSync } from 'node:fs';

const [checksPassed, checksFailed, vitestReport, playwrightReport] = process.argv.slice(2);
let passed = Number(checksPassed);
let failed = Number(checksFailed);

function read(file: string): unknown {
	return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

const vitest = read(vitestReport) as
	| { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number; success: boolean }
	| undefined;
if (vitest) {
	passed += vitest.numPassedTests;
	failed += vitest.numFailedTests;
	if (!vitest.success && vitest.numFailedTests === 0) failed += 1; // a suite that failed to load
} else {
	console.error('No Vitest report: the unit and integration tests did not run.');
	failed += 1;
}

const playwright = read(playwrightReport) as
	| { stats: { expected: number; unexpected: number; flaky: number }; errors?: unknown[] }
	| undefined;
if (playwright) {
	passed += playwright.stats.expected + playwright.stats.flaky;
	failed += playwright.stats.unexpected + (playwright.errors?.length ?? 0);
} else if (existsSync('playwright.config.ts')) {
	console.error('No Playwright report: the browser tests did not run.');
	failed += 1;
}

console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
