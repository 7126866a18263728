/** The copy cannot go ahead; the message says why and what to do. */
export class CopyError extends Error {
	override name = 'CopyError';
}

/** Stopped on request between two batches; the same command continues it. */
export class CopyInterruptedError extends Error {
	override name = 'CopyInterruptedError';
}
