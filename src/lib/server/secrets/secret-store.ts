import type { Dialect } from '../db/target.ts';
import type { Db } from '../db/client.ts';
import { isSealed, seal, sealedKeyId, unseal } from './cipher.ts';
import type { KeyVault } from './key-vault.ts';
import { SecretKeyError } from './keys.ts';
import type { SecretRedactor } from './redactor.ts';

/** The columns that hold secrets. */
export type SecretColumn = 'provider.apiKey' | 'instance.apiKey';

export const SECRET_COLUMNS: readonly SecretColumn[] = ['provider.apiKey', 'instance.apiKey'];

/** One stored value of a secret column. */
export interface StoredSecret {
	column: SecretColumn;
	id: string;
	value: string;
}

/** `provider.apiKey` of row `id` → the context its ciphertext is bound to. */
export function secretContext(column: SecretColumn, id: string): string {
	const [table, field] = column.split('.');
	return `${table}:${field}:${id}`;
}

/**
 * Encrypts and decrypts the API keys stored in the database, and keeps the redactor's list of
 * secrets current. Raw SQL so that re-encrypting a value (start-up, rotation) does not touch
 * `updatedAt`, and every write is compare-and-set against the value read, so a key an admin
 * changes meanwhile is never overwritten.
 */
export class SecretStore {
	readonly #db: Db;
	readonly #dialect: Dialect;
	readonly #vault: KeyVault;
	readonly #redactor: SecretRedactor;

	constructor(deps: { db: Db; dialect: Dialect; vault: KeyVault; redactor: SecretRedactor }) {
		this.#db = deps.db;
		this.#dialect = deps.dialect;
		this.#vault = deps.vault;
		this.#redactor = deps.redactor;
	}

	get vault(): KeyVault {
		return this.#vault;
	}

	/** Encrypts a value for a row, under the current key (re-read, in case a rotation moved it). */
	async seal(column: SecretColumn, id: string, plaintext: string): Promise<string> {
		await this.#vault.reload();
		return seal(this.#vault.current, plaintext, secretContext(column, id));
	}

	/** Decrypts a row's value; throws a SecretKeyError (naming SECRET_KEY) when it cannot. */
	async open(column: SecretColumn, id: string, stored: string): Promise<string> {
		const context = secretContext(column, id);
		const keyId = sealedKeyId(stored);
		if (keyId && !this.#vault.find(keyId)) await this.#vault.reload();
		return unseal((kid) => this.#vault.find(kid), stored, context);
	}

	/** Every non-empty stored value of every secret column. */
	async stored(): Promise<StoredSecret[]> {
		const [providers, instances] = await Promise.all([
			this.#db.$queryRaw<{ id: string; value: string }[]>`
				SELECT "id", "apiKey" AS "value" FROM "Provider" WHERE "apiKey" <> ''`,
			this.#db.$queryRaw<{ id: string; value: string }[]>`
				SELECT "id", "apiKey" AS "value" FROM "Instance" WHERE "apiKey" <> ''`
		]);
		return [
			...providers.map((r) => ({ column: 'provider.apiKey' as const, ...r })),
			...instances.map((r) => ({ column: 'instance.apiKey' as const, ...r }))
		];
	}

	/** Replaces `from` with `to` unless the row changed meanwhile; returns whether it did. */
	async replace(secret: StoredSecret, to: string): Promise<boolean> {
		const changed =
			secret.column === 'provider.apiKey'
				? await this.#db.$executeRaw`
					UPDATE "Provider" SET "apiKey" = ${to} WHERE "id" = ${secret.id} AND "apiKey" = ${secret.value}`
				: await this.#db.$executeRaw`
					UPDATE "Instance" SET "apiKey" = ${to} WHERE "id" = ${secret.id} AND "apiKey" = ${secret.value}`;
		return changed === 1;
	}

	/**
	 * Encrypts values stored in plain text (written before encryption existed). Returns how many it
	 * sealed.
	 */
	async sealPlaintext(): Promise<number> {
		let sealed = 0;
		for (const secret of await this.stored()) {
			if (isSealed(secret.value)) continue;
			const value = await this.seal(secret.column, secret.id, secret.value);
			if (await this.replace(secret, value)) sealed++;
		}
		return sealed;
	}

	/**
	 * Gives the redactor every secret it should remove from remote text. Returns the values that
	 * could not be decrypted (with why), so start-up can warn about them.
	 */
	async refreshRedactor(): Promise<{ column: SecretColumn; id: string; reason: string }[]> {
		const secrets: string[] = [];
		const failed: { column: SecretColumn; id: string; reason: string }[] = [];
		for (const secret of await this.stored()) {
			try {
				secrets.push(
					isSealed(secret.value)
						? await this.open(secret.column, secret.id, secret.value)
						: secret.value
				);
			} catch (error) {
				if (!(error instanceof SecretKeyError)) throw error;
				failed.push({ column: secret.column, id: secret.id, reason: error.message });
			}
		}
		this.#redactor.set(secrets);
		return failed;
	}

	/**
	 * Rebuilds the database file and empties the WAL, so values overwritten or deleted before (plain
	 * text, or ciphertext under a retired key) cannot be read from free pages. Deletions from now on
	 * are zeroed by `secure_delete`. On PostgreSQL, the two tables holding keys are rewritten
	 * instead, which drops their dead row versions.
	 */
	async compact(): Promise<void> {
		if (this.#dialect === 'postgres') {
			await this.#db.$executeRawUnsafe('VACUUM FULL "Provider", "Instance"');
			return;
		}
		await this.#db.$executeRawUnsafe('VACUUM');
		await this.#db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
	}
}
