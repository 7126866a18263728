import * as decoding from 'lib0/decoding';

export interface AwarenessEntry {
	clientId: number;
	clock: number;
	/** A JSON object, or null when the client leaves. */
	state: Record<string, unknown> | null;
}

/**
 * Reads a y-protocols awareness update (count, then client id, clock and JSON state for each).
 * Throws on malformed input: truncated, trailing bytes, invalid JSON or a state that is not an
 * object or null.
 */
export function decodeAwareness(update: Uint8Array, maxEntries: number): AwarenessEntry[] {
	const decoder = decoding.createDecoder(update);
	const count = decoding.readVarUint(decoder);
	if (count > maxEntries) throw new Error(`more than ${maxEntries} states`);
	const entries: AwarenessEntry[] = [];
	for (let i = 0; i < count; i++) {
		const clientId = decoding.readVarUint(decoder);
		const clock = decoding.readVarUint(decoder);
		const length = decoding.readVarUint(decoder);
		if (length > decoder.arr.length - decoder.pos) throw new Error('truncated state');
		const state: unknown = JSON.parse(
			new TextDecoder().decode(decoding.readUint8Array(decoder, length))
		);
		if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
			throw new Error('a state is an object or null');
		}
		entries.push({ clientId, clock, state: state as AwarenessEntry['state'] });
	}
	if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
	return entries;
}
