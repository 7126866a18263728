/**
 * Adds up the checks and the Vitest and Playwright JSON reports (one of each per database) into
 * the one closing line CI reads: `Tests: N passed, N failed`. A report is told by its file name
 * (`vitest-*.json`, `playwright-*.json`). Exits 1 when anything failed or a report is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [checksPassed, checksFailed, ...reports] = process.argv.slice(2);
let passed = Number(checksPassed);
let failed = Number(checksFailed);

interface VitestReport {
	numPassedTests: number;
	numFailedTests: number;
	success: boolean;
}
interface PlaywrightReport {
	stats: { expected: number; unexpected: number; flaky: number };
	errors?: unknown[];
}

for (const file of reports) {
	const name = path.basename(file);
	if (!existsSync(file)) {
		console.error(`No report ${name}: those tests did not run.`);
		failed += 1;
		continue;
	}
	const report = JSON.parse(readFileSync(file, 'utf8')) as unknown;
	if (name.startsWith('vitest')) {
		const vitest = report as VitestReport;
		passed += vitest.numPassedTests;
		failed += vitest.numFailedTests;
		if (!vitest.success && vitest.numFailedTests === 0) failed += 1; // a suite that failed to load
	} else {
		const { stats, errors } = report as PlaywrightReport;
		passed += stats.expected + stats.flaky;
		failed += stats.unexpected + (errors?.length ?? 0);
	}
}

console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
