/**
 * Whether a transaction lost a write conflict and may simply run again: PostgreSQL's serialization
 * failure (40001) or deadlock (40P01). Prisma reports it as P2034 when a statement fails, but a
 * failed COMMIT comes through as the driver adapter's own error, so both shapes are recognized.
 */
export function isWriteConflict(error: unknown): boolean {
	for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
		const { code, kind, originalCode } = e as {
			code?: unknown;
			kind?: unknown;
			originalCode?: unknown;
		};
		if (code === 'P2034' || kind === 'TransactionWriteConflict') return true;
		if (originalCode === '40001' || originalCode === '40P01') return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}
