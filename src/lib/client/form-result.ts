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
