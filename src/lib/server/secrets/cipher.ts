import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretKeyError, type SecretKey } from './keys.ts';

/**
 * How a sealed value starts: format version 1, then the key id. A plaintext API key never looks
 * like this, so values stored before encryption existed are told apart (and sealed at start).
 */
const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Whether a stored value is sealed (else it is a plaintext value from before encryption). */
export function isSealed(stored: string): boolean {
	return stored.startsWith(PREFIX);
}

/** The id of the key a sealed value was encrypted with. */
export function sealedKeyId(stored: string): string | null {
	return isSealed(stored) ? stored.slice(PREFIX.length).split(':')[0] : null;
}

/**
 * Encrypts with AES-256-GCM under a fresh 12-byte IV. `context` (e.g. `provider:apiKey:<id>`) is
 * authenticated with it, so a value copied to another row or column does not open there. The empty
 * string (no key set) stays empty.
 */
export function seal(key: SecretKey, plaintext: string, context: string): string {
	if (plaintext === '') return '';
	const iv = randomBytes(IV_BYTES);
	const cipher = createCipheriv('aes-256-gcm', key.key, iv);
	cipher.setAAD(Buffer.from(context, 'utf8'));
	const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	const packed = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
	return `${PREFIX}${key.id}:${packed}`;
}

/**
 * Decrypts a sealed value with the key it names. Throws a SecretKeyError naming SECRET_KEY when the
 * key is not available, or when the value was changed or belongs to another row.
 */
export function unseal(
	find: (id: string) => SecretKey | undefined,
	stored: string,
	context: string
): string {
	if (stored === '') return '';
	if (!isSealed(stored)) throw new SecretKeyError(`The ${what(context)} is not encrypted.`);
	const [id, packed = ''] = stored.slice(PREFIX.length).split(':');
	const key = find(id);
	if (!key) {
		throw new SecretKeyError(
			`The ${what(context)} was encrypted with key ${id}, which this server does not have. Set SECRET_KEY (or SECRET_KEY_PREVIOUS during a rotation) to that key, or restore DATA_DIR/secret.key; or enter the API key again.`
		);
	}
	const bytes = Buffer.from(packed, 'base64url');
	try {
		if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('too short');
		const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(0, IV_BYTES));
		decipher.setAAD(Buffer.from(context, 'utf8'));
		decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
		const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
		return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
	} catch {
		throw new SecretKeyError(
			`The ${what(context)} cannot be decrypted with key ${id} (from SECRET_KEY or DATA_DIR/secret.key): it was altered, or copied from another row. Enter the API key again.`
		);
	}
}

/** `provider:apiKey:<id>` → "stored API key of provider <id>". */
function what(context: string): string {
	const [table, , id] = context.split(':');
	return `stored API key of ${table} ${id}`;
}
