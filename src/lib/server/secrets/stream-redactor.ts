import type { SecretRedactor } from './redactor.ts';

/**
 * Redacts a text that arrives in pieces (an answer streaming from a provider): a secret split across
 * two pieces is caught because the end of each piece that could be the start of a secret is held
 * back until the next piece (or `flush`) shows whether it is. With no secrets configured it passes
 * pieces through untouched.
 */
export class StreamRedactor {
	readonly #redactor: SecretRedactor;
	#held = '';

	constructor(redactor: SecretRedactor) {
		this.#redactor = redactor;
	}

	/** The part of `piece` (with what was held) that is safe to emit now; may be empty. */
	push(piece: string): string {
		const secrets = this.#redactor.searched;
		if (!secrets.length && !this.#held) return piece;
		const text = this.#redactor.redactSecrets(this.#held + piece);
		const keep = heldLength(text, secrets);
		this.#held = text.slice(text.length - keep);
		return text.slice(0, text.length - keep);
	}

	/** Whatever is still held, once the text has ended. */
	flush(): string {
		const rest = this.#held;
		this.#held = '';
		return rest;
	}
}

/** The length of the longest end of `text` that is the start (not the whole) of some secret. */
function heldLength(text: string, secrets: readonly string[]): number {
	let longest = 0;
	for (const secret of secrets) {
		const from = Math.max(0, text.length - secret.length + 1);
		for (let i = from; i < text.length && text.length - i > longest; i++) {
			if (text.charCodeAt(i) === secret.charCodeAt(0) && secret.startsWith(text.slice(i))) {
				longest = text.length - i;
				break;
			}
		}
	}
	return longest;
}
