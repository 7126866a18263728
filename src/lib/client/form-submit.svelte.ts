import { tick } from 'svelte';
import type { SubmitFunction } from '$app/forms';

/**
 * The `use:enhance` behaviour shared by Parley's forms: tracks `pending` (to disable the button),
 * applies the result like a native submission, then moves focus to the first invalid field so
 * keyboard and screen-reader users land on the message.
 */
export class FormSubmit {
	pending = $state(false);
	readonly #reset: boolean;
	readonly #onSuccess: (() => void) | undefined;
	readonly #onFailure: ((form: HTMLFormElement) => void) | undefined;

	constructor(
		options: {
			reset?: boolean;
			onSuccess?: () => void;
			/** E.g. to put a control back to the saved value when the change was refused. */
			onFailure?: (form: HTMLFormElement) => void;
		} = {}
	) {
		this.#reset = options.reset ?? true;
		this.#onSuccess = options.onSuccess;
		this.#onFailure = options.onFailure;
	}

	enhance: SubmitFunction = () => {
		this.pending = true;
		return async ({ update, result, formElement }) => {
			try {
				await update({ reset: this.#reset });
			} finally {
				this.pending = false;
			}
			if (result.type === 'success') this.#onSuccess?.();
			if (result.type === 'failure') {
				this.#onFailure?.(formElement);
				await tick();
				formElement.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
			}
		};
	};
}
