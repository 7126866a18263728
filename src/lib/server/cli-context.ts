import pino from 'pino';
import { loadConfig, type Config } from './config.ts';
import { createDb, type Db } from './db/client.ts';
import { applyMigrations } from './db/migrate.ts';
import { createLogger, type Logger } from './logger.ts';
import { SecretRedactor } from './secrets/redactor.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import { openSecrets } from './secrets/setup.ts';

/** What a command-line tool shares with the server: configuration, database, keys, a quiet log. */
export interface CliContext {
	config: Config;
	db: Db;
	/** Warnings and errors on stderr (stdout is the command's output), secrets redacted. */
	log: Logger;
	redactor: SecretRedactor;
	secrets: SecretStore;
	close(): Promise<void>;
}

/**
 * Opens the database as the server does (pending migrations first, stored keys encrypted), for
 * `parley sync` and `parley secrets`, which need no web server.
 */
export async function openCliContext(): Promise<CliContext> {
	const config = loadConfig();
	await applyMigrations(config.database);
	const db = await createDb(config.database);
	const redactor = new SecretRedactor();
	const log = createLogger(
		config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
		pino.destination(2),
		redactor
	);
	try {
		const secrets = await openSecrets({ db, config, log, redactor });
		return { config, db, log, redactor, secrets, close: () => db.$disconnect() };
	} catch (error) {
		await db.$disconnect();
		throw error;
	}
}
