import * as v from 'valibot';
import type { ErrorBody, ErrorCode } from '#lib/shared/errors.ts';
import { isRecordGone } from './db/conflict.ts';
import { withoutNul } from './nul.ts';

const STATUS: Record<ErrorCode, number> = {
	bad_request: 400,
	validation: 400,
	unauthorized: 401,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	payload_too_large: 413,
	method_not_allowed: 405,
	rate_limited: 429,
	internal: 500,
	unavailable: 503,
	empty_message: 400,
	message_too_long: 400,
	unknown_emoji: 400,
	message_deleted: 409,
	wrong_channel: 400,
	nested_thread: 400,
	channel_archived: 409,
	empty_prompt: 400,
	prompt_too_long: 400,
	model_unavailable: 400,
	too_many_streams: 429,
	not_streaming: 409,
	read_only: 403,
	not_joined: 409,
	malformed_update: 400,
	out_of_sync: 409,
	document_too_large: 413
};

const BRAND = Symbol.for('parley.AppError');

/** An expected failure with a code the client can act on. Services throw it; transports translate it. */
export class AppError extends Error {
	/**
	 * Whether `error` is an AppError. The custom server and SvelteKit's bundle each load their own
	 * copy of this module, so `instanceof` would miss errors thrown by the other copy; a global
	 * symbol brand does not.
	 */
	static is(error: unknown): error is AppError {
		return typeof error === 'object' && error !== null && BRAND in error;
	}

	readonly [BRAND] = true;
	readonly code: ErrorCode;
	readonly fields?: Record<string, string>;
	readonly retryAfterSeconds?: number;

	constructor(
		code: ErrorCode,
		message: string,
		extra: { fields?: Record<string, string>; retryAfterSeconds?: number } = {}
	) {
		super(message);
		this.code = code;
		this.fields = extra.fields;
		this.retryAfterSeconds = extra.retryAfterSeconds;
	}

	get status(): number {
		return STATUS[this.code];
	}

	toBody(): ErrorBody {
		return { code: this.code, message: this.message, ...(this.fields && { fields: this.fields }) };
	}
}

/** Converts valibot issues into a validation AppError with a message per field. */
export function validationError(issues: v.BaseIssue<unknown>[]): AppError {
	const fields: Record<string, string> = {};
	for (const issue of issues) {
		const key = v.getDotPath(issue) ?? '_';
		fields[key] ??= issue.message;
	}
	const first = Object.entries(fields)[0];
	const message = first[0] === '_' ? first[1] : `${first[0]}: ${first[1]}`;
	return new AppError('validation', message, { fields });
}

/** Parses input with a schema or throws a validation AppError. */
export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
	const result = v.safeParse(schema, withoutNul(input));
	if (!result.success) throw validationError(result.issues);
	return result.output;
}

/**
 * The AppError a transport answers for a failure a service did not throw as one: a row that another
 * request removed between the service's check and its write is `not_found`, as a moment later.
 */
export function expectedFailure(error: unknown): AppError | undefined {
	if (AppError.is(error)) return error;
	if (isRecordGone(error)) return new AppError('not_found', 'It was deleted a moment ago.');
	return undefined;
}
