/**
 * `parley secrets rotate`: re-encrypts every stored API key under a new key, without the web
 * server (which may keep running). Opens the same database and keys as the server.
 */
import { parseArgs } from 'node:util';
import { openCliContext } from '../cli-context.ts';
import { rotateSecrets, type RotationSummary } from './rotate.ts';

export const SECRETS_USAGE = `Usage:
  parley secrets rotate   re-encrypt every stored API key under a new key

With the key file (DATA_DIR/secret.key), rotate makes a new key and retires the old one when every
value is under the new key. With SECRET_KEY, first restart every Parley process with the new key in
SECRET_KEY and the old one in SECRET_KEY_PREVIOUS, then rotate, then remove SECRET_KEY_PREVIOUS.
Safe to run again if interrupted; servers keep running meanwhile.

Exit codes: 0 done, 1 some values could not be decrypted (the old key is kept), 2 bad usage.`;

/** Runs `parley secrets …` with the arguments after `secrets`; resolves with the exit code. */
export async function runSecretsCli(args: string[]): Promise<number> {
	let parsed;
	try {
		parsed = parseArgs({
			args,
			allowPositionals: true,
			options: { help: { type: 'boolean', short: 'h', default: false } }
		});
	} catch (error) {
		process.stderr.write(`${error instanceof Error ? error.message : error}\n\n${SECRETS_USAGE}\n`);
		return 2;
	}
	if (parsed.values.help) {
		process.stdout.write(`${SECRETS_USAGE}\n`);
		return 0;
	}
	if (parsed.positionals.join(' ') !== 'rotate') {
		process.stderr.write(
			`Unknown command: secrets ${parsed.positionals.join(' ')}\n\n${SECRETS_USAGE}\n`
		);
		return 2;
	}

	const { secrets, close } = await openCliContext();
	try {
		const summary = await rotateSecrets(secrets, (done, total) => {
			if (process.stderr.isTTY) process.stderr.write(`\rre-encrypting: ${done} of ${total}`);
			else if (done === total) process.stderr.write(`re-encrypted ${done} of ${total}\n`);
		});
		if (process.stderr.isTTY) process.stderr.write('\n');
		process.stdout.write(`${describe(summary)}\n`);
		return summary.complete ? 0 : 1;
	} finally {
		await close();
	}
}

function describe(summary: RotationSummary): string {
	const lines = [
		`${summary.resumed ? 'Resumed the rotation' : 'Rotated'}: ${summary.reencrypted} API key${summary.reencrypted === 1 ? '' : 's'} re-encrypted under key ${summary.keyId}${summary.alreadyCurrent ? ` (${summary.alreadyCurrent} already were)` : ''}.`
	];
	for (const { row, reason } of summary.unreadable) {
		lines.push(`Could not decrypt ${row}: ${reason}`);
	}
	if (summary.unreadable.length) {
		lines.push(
			'The old key is kept. Fix these (or enter their API keys again), then run this again.'
		);
	} else if (!summary.complete) {
		lines.push('A key was saved under the old key meanwhile: run this again.');
	} else if (summary.mode === 'file') {
		lines.push(
			summary.retired.length
				? `Retired key ${summary.retired.join(', ')}. Back up the new DATA_DIR/secret.key.`
				: 'Back up the new DATA_DIR/secret.key.'
		);
	} else {
		lines.push(
			'Every value is under SECRET_KEY now: remove SECRET_KEY_PREVIOUS from every Parley process (and DATA_DIR/secret.key, if there is one).'
		);
	}
	return lines.join('\n');
}
