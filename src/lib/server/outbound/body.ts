import type { Response } from 'undici';

/** A response body over the caller's size limit (the rest was not read). */
export class ResponseTooLarge extends Error {
	readonly limit: number;

	constructor(limit: number) {
		super(`The answer is larger than ${limit} bytes.`);
		this.name = 'ResponseTooLarge';
		this.limit = limit;
	}
}

/**
 * Reads a (decompressed) body, refusing more than `max` bytes: a declared length over the limit is
 * refused before reading, and reading stops as soon as the limit is passed. Aborts rethrow.
 */
export async function readCapped(response: Response, max: number): Promise<Buffer> {
	const declared = Number(response.headers.get('content-length') ?? 0);
	if (!response.headers.has('content-encoding') && declared > max) {
		await response.body?.cancel().catch(() => undefined);
		throw new ResponseTooLarge(max);
	}
	if (!response.body) return Buffer.alloc(0);
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = response.body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > max) {
			await reader.cancel().catch(() => undefined);
			throw new ResponseTooLarge(max);
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks);
}

/** Reads a body as text (UTF-8) within `max` bytes. */
export async function readCappedText(response: Response, max: number): Promise<string> {
	return (await readCapped(response, max)).toString('utf8');
}
