/**
 * PostgreSQL's text type cannot hold U+0000, and no person types it: input carrying one is refused
 * as invalid on both databases alike, before it can reach a query (it would fail there as a 500).
 */
export const NUL_REFUSED = 'Text must not contain the NUL character (U+0000).';

/** Whether any string in a decoded payload (nested objects and arrays included) holds U+0000. */
export function containsNul(value: unknown, depth = 0): boolean {
	if (typeof value === 'string') return value.includes('\u0000');
	if (typeof value !== 'object' || value === null || depth > 32) return false;
	const items = Array.isArray(value) ? value : Object.entries(value).flat();
	return items.some((item) => containsNul(item, depth + 1));
}

/** Whether a request's path or query carries an encoded U+0000 (`%00`). */
export function urlHasNul(url: URL): boolean {
	return /%00/i.test(url.pathname) || /%00/i.test(url.search);
}
