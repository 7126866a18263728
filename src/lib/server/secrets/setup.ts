import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { KeyVault } from './key-vault.ts';
import type { SecretRedactor } from './redactor.ts';
import { SecretStore } from './secret-store.ts';

/**
 * `PRAGMA user_version` once the file has been compacted after encryption came in (no plaintext
 * key left in free pages). Nothing else uses user_version: Prisma keeps its own table.
 */
const COMPACTED_VERSION = 1;

/**
 * Opens the key vault and the secret store at start (server and CLI alike): reports where the key
 * comes from, encrypts API keys still stored in plain text, compacts the file once so none
 * survives in free pages, and loads the redactor. Values that cannot be decrypted are reported,
 * not fatal: the rest of Parley works, and those providers or instances say why they fail.
 */
export async function openSecrets(deps: {
	db: Db;
	config: Config;
	log: Logger;
	redactor: SecretRedactor;
}): Promise<SecretStore> {
	const { db, config, log, redactor } = deps;
	const { vault, notice } = await KeyVault.open({
		dataDir: config.DATA_DIR,
		secretKey: config.SECRET_KEY,
		previousKeys: config.SECRET_KEY_PREVIOUS
	});
	if (notice.generated) {
		log.warn(
			{ path: notice.path },
			'generated the key that encrypts stored API keys; back it up with the database (without it they cannot be read), or set SECRET_KEY'
		);
	} else if (notice.source === 'file') {
		log.info(
			{ path: notice.path, keyId: vault.current.id },
			'stored API keys are encrypted with the key file'
		);
	} else {
		log.info({ keyId: vault.current.id }, 'stored API keys are encrypted with SECRET_KEY');
	}
	if (notice.looseMode) {
		log.warn({ path: notice.path }, 'the key file can be read by other users; run chmod 600 on it');
	}
	const store = new SecretStore({ db, dialect: config.database.kind, vault, redactor });
	const sealed = await store.sealPlaintext();
	if (sealed) log.info({ values: sealed }, 'encrypted API keys that were stored in plain text');
	// PostgreSQL databases start after encryption came in, so only a SQLite file can hold old keys.
	if (config.database.kind === 'sqlite') await compactOnce(db, store, log, sealed);
	for (const failure of await store.refreshRedactor()) {
		log.error({ column: failure.column, id: failure.id }, failure.reason);
	}
	return store;
}

async function compactOnce(db: Db, store: SecretStore, log: Logger, sealed: number) {
	const [{ user_version: version }] =
		await db.$queryRawUnsafe<{ user_version: number | bigint }[]>('PRAGMA user_version');
	if (!sealed && Number(version) >= COMPACTED_VERSION) return;
	if (sealed || (await mayHoldOldKeys(db))) {
		log.info('compacting the database once, so no plaintext API key survives in free pages');
		const started = Date.now();
		await store.compact();
		log.info({ ms: Date.now() - started }, 'compacted the database');
	}
	await db.$executeRawUnsafe(`PRAGMA user_version = ${COMPACTED_VERSION}`);
}

/**
 * Whether a database from before encryption may still hold a plaintext key: it has providers or
 * instances, or free pages (a deleted one's bytes). A fresh database has neither and is not
 * compacted (a large one without secrets is spared the one-off VACUUM).
 */
async function mayHoldOldKeys(db: Db): Promise<boolean> {
	const [{ rows }] = await db.$queryRawUnsafe<{ rows: number | bigint }[]>(
		'SELECT (SELECT count(*) FROM Provider) + (SELECT count(*) FROM Instance) AS rows'
	);
	const [{ freelist_count: free }] =
		await db.$queryRawUnsafe<{ freelist_count: number | bigint }[]>('PRAGMA freelist_count');
	return Number(rows) > 0 || Number(free) > 0;
}
