/**
 * Prisma's `Bytes` columns take `Uint8Array<ArrayBuffer>`; Yjs and lib0 type their output as
 * `Uint8Array<ArrayBufferLike>` but only ever allocate plain ArrayBuffers. Copies when the memory is
 * shared, which never happens in practice, so the type is honest.
 */
export function storable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
	return bytes.buffer instanceof ArrayBuffer
		? (bytes as Uint8Array<ArrayBuffer>)
		: new Uint8Array(bytes);
}
