#!/usr/bin/env node
/**
 * Parley's command line: `node bin/parley.ts <command> …` (or `npx parley …`). Each command's logic
 * lives with its domain; this file only dispatches on the first positional argument.
 */
import { parseArgs } from 'node:util';
import { DB_USAGE, runDbCli } from '../src/lib/server/db/cli.ts';
import { runSecretsCli, SECRETS_USAGE } from '../src/lib/server/secrets/cli.ts';
import { runSyncCli, SYNC_USAGE } from '../src/lib/server/sync/cli.ts';
import { runUsageCli, USAGE_HELP } from '../src/lib/server/usage/cli.ts';

const USAGE = `Usage: parley <command> [options]

Commands:
  sync     import from Open WebUI instances
  report   print a usage report (what the Usage dashboard shows)
  usage    maintain the usage rollups
  secrets  rotate the key that encrypts stored API keys
  db       migrate the database, show its migrations, or copy it to another database

${SYNC_USAGE}

${USAGE_HELP}

${SECRETS_USAGE}

${DB_USAGE}`;

const argv = process.argv.slice(2);
const { tokens } = parseArgs({ args: argv, allowPositionals: true, strict: false, tokens: true });
const first = tokens.find((t) => t.kind === 'positional');
const command = first?.value;
const args = first ? argv.slice(first.index + 1) : [];

let code: number;
if (command === 'sync') {
	code = await runSyncCli(args);
} else if (command === 'db') {
	code = await runDbCli(args);
} else if (command === 'secrets') {
	code = await runSecretsCli(args);
} else if (command === 'report' || command === 'usage') {
	code = await runUsageCli(argv);
} else if (command === undefined || command === 'help') {
	process.stdout.write(`${USAGE}\n`);
	code = command === 'help' || argv.includes('--help') || argv.includes('-h') ? 0 : 2;
} else {
	process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`);
	code = 2;
}
process.exit(code);
