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
	#index: { of: readonly string[]; byFirst: Map<string, string[]>; longest: number } | undefined;

	constructor(redactor: SecretRedactor) {
		this.#redactor = redactor;
	}

	/** The part of `piece` (with what was held) that is safe to emit now; may be empty. */
	push(piece: string): string {
		const secrets = this.#redactor.searched;
		if (!secrets.length && !this.#held) return piece;
		const text = this.#redactor.redactSecrets(this.#held + piece);
		const keep = this.#heldLength(text, secrets);
		this.#held = text.slice(text.length - keep);
		return text.slice(0, text.length - keep);
	}

	/** Whatever is still held, once the text has ended. */
	flush(): string {
		const rest = this.#held;
		this.#held = '';
		return rest;
	}

	/** The length of the longest end of `text` that is the start (not the whole) of some secret. */
	#heldLength(text: string, secrets: readonly string[]): number {
		if (this.#index?.of !== secrets) {
			const byFirst = new Map<string, string[]>();
			for (const secret of secrets) {
				byFirst.set(secret[0], [...(byFirst.get(secret[0]) ?? []), secret]);
			}
			this.#index = { of: secrets, byFirst, longest: Math.max(0, ...secrets.map((s) => s.length)) };
		}
		const { byFirst, longest } = this.#index;
		// From the earliest position that could start a held secret: the first match is the longest.
		for (let i = Math.max(0, text.length - longest + 1); i < text.length; i++) {
			const candidates = byFirst.get(text[i]);
			if (!candidates) continue;
			const tail = text.slice(i);
			if (candidates.some((secret) => secret.length > tail.length && secret.startsWith(tail))) {
				return tail.length;
			}
		}
		return 0;
	}
}
