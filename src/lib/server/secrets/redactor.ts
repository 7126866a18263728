/** Secrets shorter than this are not searched for (they would match ordinary words). */
export const MIN_SECRET_LENGTH = 6;
export const REDACTED = '[redacted]';

/** A bearer or basic credential, whatever the secret: `Authorization: Bearer …` quoted back. */
const CREDENTIAL = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi;

/**
 * Removes secrets from text that came from a remote (a provider's or an instance's answer) before
 * it is stored, logged or sent: every configured API key, in the forms an echo could take (as is,
 * JSON-escaped, URL-encoded), and any bearer or basic credential.
 */
export class SecretRedactor {
	#secrets: string[] = [];
	#pattern: RegExp | null = null;
	#shortest = Infinity;

	/** Replaces the configured secrets (all provider and instance keys). */
	set(secrets: Iterable<string>): void {
		this.#secrets = [...new Set(variants([...secrets]))];
		this.#pattern = this.#compile(this.#secrets);
		this.#shortest = Math.min(...this.#secrets.map((s) => s.length));
	}

	/** `text` without any configured secret or `extra` one (e.g. the key just sent). */
	redact(text: string, extra: readonly string[] = []): string {
		let out = text.replace(CREDENTIAL, `$1 ${REDACTED}`);
		if (this.#pattern) out = out.replace(this.#pattern, REDACTED);
		const more = variants(extra).filter((s) => !this.#secrets.includes(s));
		if (more.length) out = out.replace(this.#compile(more) as RegExp, REDACTED);
		return out;
	}

	/**
	 * Only the configured secrets (no credential pattern: a model may well write "Bearer tokens…"),
	 * for text that is not an error: a streamed answer.
	 */
	redactSecrets(text: string): string {
		// A text shorter than every secret cannot hold one: most streamed deltas are a few characters.
		if (!this.#pattern || text.length < this.#shortest) return text;
		return text.replace(this.#pattern, REDACTED);
	}

	/** The strings searched for (each secret in every form), for a redactor that streams. */
	get searched(): readonly string[] {
		return this.#secrets;
	}

	/** Whether `text` holds a configured secret (or an `extra` one). */
	contains(text: string, extra: readonly string[] = []): boolean {
		return this.redact(text, extra) !== text;
	}

	#compile(secrets: string[]): RegExp | null {
		if (!secrets.length) return null;
		// Longest first, so a key that contains another is removed whole.
		const sorted = [...secrets].sort((a, b) => b.length - a.length);
		return new RegExp(sorted.map(escape).join('|'), 'g');
	}
}

function variants(secrets: readonly string[]): string[] {
	return secrets
		.filter((s) => s.length >= MIN_SECRET_LENGTH)
		.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]);
}

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
