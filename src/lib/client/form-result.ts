/** What a failed form action gives back (see `#lib/server/http/forms.ts`), as the page sees it. */
export interface FormFeedback {
	values?: Record<string, string>;
	fields?: Record<string, string>;
	message?: string;
}

/** The page's `form` result if it came from the named form (`runForm(name, …)`), else undefined. */
export function resultOf<T extends { form?: string } | null | undefined, F extends string>(
	form: T,
	name: F
): Extract<NonNullable<T>, { form: F }> | undefined {
	return form?.form === name ? (form as Extract<NonNullable<T>, { form: F }>) : undefined;
}

/** A form-wide message to show in an alert: only when no field carries its own message. */
export function formMessage(result: FormFeedback | undefined): string | undefined {
	if (!result?.message) return undefined;
	return Object.keys(result.fields ?? {}).length ? undefined : result.message;
}

/** The outcome of a form that acts on one row of a list (a provider, a model). */
export interface RowFeedback extends FormFeedback {
	/** The row acted on (success); failures carry it in `values.id`. */
	id?: string;
	notice?: string;
	/** A non-fatal problem to show, e.g. a failed connection test. */
	problem?: string;
}

/** The row feedback if it is about row `id`, else undefined. */
export function feedbackFor(result: RowFeedback | undefined, id: string): RowFeedback | undefined {
	return result && (result.id ?? result.values?.id) === id ? result : undefined;
}
