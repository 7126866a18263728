import pino, { type Logger } from 'pino';
import type { SecretRedactor } from './secrets/redactor.ts';

export type { Logger };

/** Fields that must never reach a log line, wherever they appear. */
const REDACT = [
	'password',
	'currentPassword',
	'newPassword',
	'token',
	'apiKey',
	'authorization',
	'cookie',
	'*.password',
	'*.currentPassword',
	'*.newPassword',
	'*.token',
	'*.apiKey',
	'*.authorization',
	'*.cookie',
	'headers.authorization',
	'headers.cookie',
	'req.headers.authorization',
	'req.headers.cookie'
];

/**
 * The process's logger: JSON lines on stdout (or `destination`, e.g. stderr for the CLI). With a
 * redactor, every line is also cleared of configured secrets, wherever in the line they appear (an
 * error message quoting a provider's answer, say).
 */
export function createLogger(
	level: string,
	destination?: pino.DestinationStream,
	redactor?: SecretRedactor
): Logger {
	return pino(
		{
			level,
			base: { app: 'parley' },
			redact: { paths: REDACT, censor: '[redacted]' },
			timestamp: pino.stdTimeFunctions.isoTime,
			...(redactor && { hooks: { streamWrite: (line: string) => redactor.redact(line) } })
		},
		destination
	);
}
