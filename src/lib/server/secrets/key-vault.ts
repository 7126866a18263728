import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { generateKey, parseKey, parseKeys, SecretKeyError, type SecretKey } from './keys.ts';

/** Where the keys come from: the environment, else files in DATA_DIR. */
export interface KeySettings {
	dataDir: string;
	/** SECRET_KEY: the key new values are encrypted with. */
	secretKey?: string;
	/** SECRET_KEY_PREVIOUS: older keys, only for reading values not yet rotated. */
	previousKeys?: string;
}

/** What happened when the vault opened, for the start-up log. */
export interface VaultNotice {
	source: 'SECRET_KEY' | 'file';
	/** The key file (never its content). */
	path: string;
	generated: boolean;
	/** The key file can be read by other users. */
	looseMode: boolean;
}

export const KEY_FILE = 'secret.key';
/** Keys retired by a rotation that has not finished yet. */
export const PREVIOUS_FILE = 'secret.key.previous';
/** The next key, written before a rotation promotes it. */
export const NEXT_FILE = 'secret.key.next';

/**
 * The keys that encrypt API keys at rest. The current key is SECRET_KEY, or else DATA_DIR/secret.key,
 * generated (mode 0600) the first time. Older keys stay readable during a rotation: from
 * SECRET_KEY_PREVIOUS, or from DATA_DIR/secret.key.previous, which `parley secrets rotate` writes and
 * removes when done. Every process sharing the database must see the same keys (the same
 * SECRET_KEY, or the same DATA_DIR).
 */
export class KeyVault {
	readonly settings: KeySettings;
	#current!: SecretKey;
	#all = new Map<string, SecretKey>();

	private constructor(settings: KeySettings) {
		this.settings = settings;
	}

	/** Loads the keys, generating the key file when there is neither SECRET_KEY nor a file yet. */
	static async open(settings: KeySettings): Promise<{ vault: KeyVault; notice: VaultNotice }> {
		const vault = new KeyVault(settings);
		const file = vault.path(KEY_FILE);
		let generated = false;
		if (!settings.secretKey && !(await exists(file))) {
			await mkdir(settings.dataDir, { recursive: true });
			generated = await writeKeyFile(file, generateKey().text, { replace: false });
		}
		await vault.reload();
		const looseMode =
			!settings.secretKey &&
			((await stat(file)).mode & 0o077) !== 0 &&
			process.platform !== 'win32';
		return {
			vault,
			notice: {
				source: settings.secretKey ? 'SECRET_KEY' : 'file',
				path: file,
				generated,
				looseMode
			}
		};
	}

	get current(): SecretKey {
		return this.#current;
	}

	/** Whether the current key comes from SECRET_KEY (rotation then needs the operator's new key). */
	get fromEnvironment(): boolean {
		return Boolean(this.settings.secretKey);
	}

	path(name: string): string {
		return path.resolve(this.settings.dataDir, name);
	}

	find(id: string): SecretKey | undefined {
		return this.#all.get(id);
	}

	/** Every key it can read with. */
	keys(): SecretKey[] {
		return [...this.#all.values()];
	}

	/**
	 * File mode, first step of a rotation: makes a new key current and keeps the old one readable in
	 * secret.key.previous until `finishRotation`. Safe to call again after an interruption: a rotation
	 * already under way (a previous file exists) is resumed, a new key already written is reused.
	 */
	async beginRotation(): Promise<{ resumed: boolean }> {
		if (this.fromEnvironment) {
			throw new SecretKeyError('SECRET_KEY is set: the operator sets the new key.');
		}
		const [keyFile, nextFile, previousFile] = [KEY_FILE, NEXT_FILE, PREVIOUS_FILE].map((f) =>
			this.path(f)
		);
		const promoted = (await exists(previousFile)) && !(await exists(nextFile));
		if (!promoted) {
			const resumed = !(await writeKeyFile(nextFile, generateKey().text, { replace: false }));
			const old = await readKey(keyFile);
			const previous = await readKeys(previousFile);
			if (old && !previous.some((k) => k.id === old.id)) {
				const lines = [...previous, old].map((k) => k.key.toString('base64'));
				await writeKeyFile(previousFile, lines.join('\n'), { replace: true });
			}
			await rename(nextFile, keyFile);
			await syncDirectory(this.settings.dataDir);
			await this.reload();
			return { resumed };
		}
		await this.reload();
		return { resumed: true };
	}

	/** File mode, last step of a rotation: forgets the retired keys. */
	async finishRotation(): Promise<string[]> {
		const retired = (await readKeys(this.path(PREVIOUS_FILE))).map((k) => k.id);
		await unlink(this.path(PREVIOUS_FILE)).catch(() => undefined);
		await this.reload();
		return retired;
	}

	/** Reads the keys again: another process (`parley secrets rotate`) may have changed the files. */
	async reload(): Promise<void> {
		const { secretKey, previousKeys } = this.settings;
		const fromFile = await readKey(this.path(KEY_FILE));
		const current = secretKey ? parseKey(secretKey, 'SECRET_KEY') : fromFile;
		if (!current) throw new SecretKeyError(`No key in ${this.path(KEY_FILE)}.`);
		const older = [
			...(previousKeys ? parseKeys(previousKeys, 'SECRET_KEY_PREVIOUS') : []),
			...(fromFile ? [fromFile] : []),
			...(await readKeys(this.path(PREVIOUS_FILE))),
			...(await readKeys(this.path(NEXT_FILE)))
		];
		this.#current = current;
		this.#all = new Map([current, ...older].map((k) => [k.id, k]));
	}
}

async function exists(file: string): Promise<boolean> {
	return stat(file).then(
		() => true,
		() => false
	);
}

async function readKey(file: string): Promise<SecretKey | null> {
	const text = await readFile(file, 'utf8').catch(() => null);
	return text === null ? null : parseKey(text, file);
}

async function readKeys(file: string): Promise<SecretKey[]> {
	const text = await readFile(file, 'utf8').catch(() => null);
	return text === null ? [] : parseKeys(text, file);
}

/**
 * Writes a key file with mode 0600, durably: a temporary file is written and synced, then linked
 * into place (`replace: false`: never over an existing file, so two processes starting at once
 * agree on one key) or renamed over it. Returns whether this call wrote the file.
 */
export async function writeKeyFile(
	file: string,
	content: string,
	{ replace }: { replace: boolean }
): Promise<boolean> {
	const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
	const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
	try {
		await handle.writeFile(`${content.trim()}\n`);
		await handle.sync();
	} finally {
		await handle.close();
	}
	try {
		await (replace ? rename(temp, file) : link(temp, file));
		await syncDirectory(path.dirname(file));
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw error;
	} finally {
		await unlink(temp).catch(() => undefined);
	}
}

/** Makes a new or renamed directory entry durable. */
async function syncDirectory(dir: string): Promise<void> {
	const handle = await open(dir, constants.O_RDONLY);
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}
