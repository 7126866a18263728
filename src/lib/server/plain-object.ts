/**
 * Whether a value is a plain object (`{…}`, as JSON decodes it): not an array, a Buffer, a single
 * value or an instance of some class. valibot's `object` schema accepts arrays too, so one whose
 * fields are all optional would take `[]` for `{}`: payloads and bodies are checked with this first.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
	if (typeof value !== 'object' || value === null) return false;
	const prototype: unknown = Object.getPrototypeOf(value);
	return prototype === Object.prototype || prototype === null;
}
