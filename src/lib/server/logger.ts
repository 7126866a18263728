import pino, { type Logger } from 'pino';

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

/** The process's logger: JSON lines on stdout (or `destination`, e.g. stderr for the CLI). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
	return pino(
		{
			level,
			base: { app: 'parley' },
			redact: { paths: REDACT, censor: '[redacted]' },
			timestamp: pino.stdTimeFunctions.isoTime
		},
		destination
	);
}
