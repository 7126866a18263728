import { fail, type ActionFailure } from '@sveltejs/kit';
import type * as v from 'valibot';
import { failWith, readForm, type FormFailure } from './forms.ts';

/** A failure tagged with the form it belongs to, for pages that hold several forms. */
export type NamedFailure<F extends string> = FormFailure & { form: F };

/**
 * Runs one named form of a page: validates the posted fields, calls `run`, and tags the outcome with
 * `form` so the page shows messages beside the form that was sent. Validation issues and AppErrors
 * become `fail(status, …)`; anything else is rethrown (a 500).
 */
export async function runForm<
	F extends string,
	S extends v.GenericSchema,
	R extends Record<string, unknown>
>(
	form: F,
	request: Request,
	schema: S,
	run: (data: v.InferOutput<S>) => Promise<R>,
	/** Field names whose values may be echoed back (never passwords). */
	echo: string[] = []
): Promise<(R & { form: F }) | ActionFailure<NamedFailure<F>>> {
	const input = await readForm(request, schema, echo);
	if (!input.ok) return named(form, input.failure);
	try {
		return { ...(await run(input.data)), form };
	} catch (error) {
		return named(form, failWith(error, input.values));
	}
}

function named<F extends string>(
	form: F,
	failure: ActionFailure<FormFailure>
): ActionFailure<NamedFailure<F>> {
	return fail(failure.status, { ...failure.data, form });
}
