/**
 * The y-protocols sync encoding, as both ends of note sync use it: each `note:sync` payload is one
 * sync message (step 1, step 2 or update), exactly as y-websocket and Hocuspocus frame them.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { Binary } from './notes.ts';

export const SYNC_STEP1 = syncProtocol.messageYjsSyncStep1;
export const SYNC_STEP2 = syncProtocol.messageYjsSyncStep2;
export const SYNC_UPDATE = syncProtocol.messageYjsUpdate;

export type SyncMessage =
	| { type: typeof SYNC_STEP1; stateVector: Uint8Array }
	| { type: typeof SYNC_STEP2 | typeof SYNC_UPDATE; update: Uint8Array };

/** A Uint8Array for binary data from either Node (Buffer) or a browser (ArrayBuffer). */
export function toBytes(data: Binary): Uint8Array {
	return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** Step 1: "this is what I have" (my state vector). */
export function encodeStep1(doc: Y.Doc): Uint8Array {
	const encoder = encoding.createEncoder();
	syncProtocol.writeSyncStep1(encoder, doc);
	return encoding.toUint8Array(encoder);
}

/** Step 2: everything in `doc` that a peer with `stateVector` lacks. */
export function encodeStep2(doc: Y.Doc, stateVector?: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	syncProtocol.writeSyncStep2(encoder, doc, stateVector);
	return encoding.toUint8Array(encoder);
}

/** Wraps a Yjs update as a sync `update` message. */
export function encodeUpdate(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	syncProtocol.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}

/**
 * Reads one sync message. Throws on anything else: an unknown type, a truncated payload or bytes
 * left over. The payload is copied, so it never shares memory with the received buffer.
 */
export function decodeSyncMessage(data: Binary): SyncMessage {
	const decoder = decoding.createDecoder(toBytes(data));
	const type = decoding.readVarUint(decoder);
	const length = decoding.readVarUint(decoder);
	// Checked here: a view past the end could reach into a pooled Buffer's neighbouring bytes.
	if (length > decoder.arr.length - decoder.pos) throw new Error('truncated sync message');
	const payload = new Uint8Array(decoding.readUint8Array(decoder, length));
	if (decoding.hasContent(decoder)) throw new Error('trailing bytes after the sync message');
	if (type === SYNC_STEP1) return { type, stateVector: payload };
	if (type === SYNC_STEP2 || type === SYNC_UPDATE) return { type, update: payload };
	throw new Error(`unknown sync message type ${type}`);
}

/** Whether a Yjs update changes nothing (no structs, no deletions), like `Y.encodeStateAsUpdate` of an empty diff. */
export function isEmptyUpdate(update: Uint8Array): boolean {
	return update.length <= 2 && update.every((b) => b === 0);
}
