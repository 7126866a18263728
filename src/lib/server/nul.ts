/**
 * U+0000 in text. PostgreSQL's text type cannot hold it (the write fails), and no person types it,
 * so text from outside — request bodies, form fields, socket payloads, model output, Open WebUI
 * imports — has it replaced by U+FFFD (the replacement character, as browsers' HTML parsers do)
 * before it reaches a service: one behaviour on both databases, and nothing refused that a paste
 * carried by accident. Paths and queries naming things by it are refused instead (nothing is
 * named so).
 */
import { isPlainObject } from './plain-object.ts';

export const NUL_REFUSED = 'Paths and queries must not contain the NUL character (U+0000).';

/** `value` with every U+0000 in its strings (nested objects and arrays too) replaced by U+FFFD. */
export function withoutNul<T>(value: T, depth = 0): T {
	if (typeof value === 'string') {
		return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
	}
	if (depth > 64) return value;
	if (Array.isArray(value)) return value.map((item: unknown) => withoutNul(item, depth + 1)) as T;
	if (!isPlainObject(value)) return value;
	const copy: Record<string, unknown> = {};
	for (const [key, item] of Object.entries(value)) copy[key] = withoutNul(item, depth + 1);
	return copy as T;
}

/** Whether a request's path or query carries an encoded U+0000 (`%00`). */
export function urlHasNul(url: URL): boolean {
	return /%00/i.test(url.pathname) || /%00/i.test(url.search);
}
