/** The longest remote message shown, in characters. */
export const MAX_DETAIL_CHARS = 200;

/**
 * The message a remote's JSON error body carries (the first string at one of `paths`, such as
 * `error.message` or `detail`), made safe to show an admin: secrets removed by `redact`, control
 * characters and runs of spaces collapsed, cut to 200 characters. Anything that is not JSON (an HTML
 * page, plain text, whatever an internal service answers) gives nothing: remote bodies are never
 * echoed.
 */
export function remoteDetail(
	body: string,
	paths: readonly string[],
	redact: (text: string) => string
): string {
	let json: unknown;
	try {
		json = JSON.parse(body);
	} catch {
		return '';
	}
	for (const path of paths) {
		const value = path
			.split('.')
			.reduce<unknown>(
				(node, key) =>
					node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
				json
			);
		if (typeof value === 'string' && value.trim()) return remoteLine(value, redact);
	}
	return '';
}

/** One line of remote text, redacted and shortened, for an admin (a name, a version, a message). */
export function remoteLine(
	text: string,
	redact: (text: string) => string,
	max = MAX_DETAIL_CHARS
): string {
	const line = redact(text)
		// eslint-disable-next-line no-control-regex
		.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\s]+/g, ' ')
		.trim();
	return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
