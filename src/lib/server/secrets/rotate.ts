import { isSealed, sealedKeyId } from './cipher.ts';
import { SecretKeyError } from './keys.ts';
import type { SecretStore, StoredSecret } from './secret-store.ts';

export interface RotationSummary {
	/** The key every value is under now. */
	keyId: string;
	/** SECRET_KEY (the operator brought the new key) or the key file (Parley made one). */
	mode: 'SECRET_KEY' | 'file';
	/** A rotation that an earlier, interrupted run had started. */
	resumed: boolean;
	reencrypted: number;
	alreadyCurrent: number;
	/** Values no available key opens: the old key stays until they are fixed. */
	unreadable: { row: string; reason: string }[];
	/** Key ids no longer kept (file mode, when nothing needs them). */
	retired: string[];
	/** Every value is under the new key (else run it again, after fixing the unreadable ones). */
	complete: boolean;
}

/** Passes over the rows: a value an admin saves meanwhile under the old key is caught by the next. */
const MAX_PASSES = 3;

/**
 * Re-encrypts every stored secret under the current key (`parley secrets rotate`).
 *
 * With the key file, a new key is generated and made current first, and the old one is kept in
 * DATA_DIR/secret.key.previous, so running servers (which re-read the key files when they meet a
 * key id they do not know, and before encrypting) go on reading and writing throughout. With
 * SECRET_KEY, the operator has already started every process with the new SECRET_KEY and the old
 * one in SECRET_KEY_PREVIOUS. Each value is replaced only if it did not change since it was read.
 * Safe to run again when interrupted: values already under the new key are skipped. When every
 * value is under the new key, the file is compacted (no old ciphertext left in free pages) and,
 * with the key file, the old key is deleted.
 */
export async function rotateSecrets(
	store: SecretStore,
	onProgress: (done: number, total: number) => void = () => {}
): Promise<RotationSummary> {
	const { vault } = store;
	const mode = vault.fromEnvironment ? 'SECRET_KEY' : 'file';
	const { resumed } = mode === 'file' ? await vault.beginRotation() : { resumed: false };
	const target = vault.current.id;
	const summary: RotationSummary = {
		keyId: target,
		mode,
		resumed,
		reencrypted: 0,
		alreadyCurrent: 0,
		unreadable: [],
		retired: [],
		complete: false
	};
	const failed = new Set<string>();
	const rowOf = (s: StoredSecret) => `${s.column.split('.')[0]} ${s.id}`;
	for (let pass = 0; pass < MAX_PASSES; pass++) {
		const stored = await store.stored();
		if (pass === 0) {
			summary.alreadyCurrent = stored.filter((s) => sealedKeyId(s.value) === target).length;
		}
		const pending = stored.filter((s) => sealedKeyId(s.value) !== target && !failed.has(rowOf(s)));
		if (!pending.length) break;
		let done = 0;
		for (const secret of pending) {
			try {
				const plain = isSealed(secret.value)
					? await store.open(secret.column, secret.id, secret.value)
					: secret.value;
				const sealed = await store.seal(secret.column, secret.id, plain);
				if (await store.replace(secret, sealed)) summary.reencrypted++;
			} catch (error) {
				if (!(error instanceof SecretKeyError)) throw error;
				failed.add(rowOf(secret));
				summary.unreadable.push({ row: rowOf(secret), reason: error.message });
			}
			onProgress(++done, pending.length);
		}
	}
	if (summary.unreadable.length) return summary;
	await store.compact();
	// A value saved under the old key in the last instant keeps the old key until the next run.
	summary.complete = !(await store.stored()).some((s) => sealedKeyId(s.value) !== target);
	if (mode === 'file' && summary.complete) summary.retired = await vault.finishRotation();
	return summary;
}
