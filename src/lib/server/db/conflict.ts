import { causes } from './causes.ts';

/**
 * Whether a transaction lost a write conflict and may simply run again: PostgreSQL's serialization
 * failure (40001) or deadlock (40P01). Prisma reports it as P2034 when a statement fails, but a
 * failed COMMIT comes through as the driver adapter's own error, so both shapes are recognized.
 */
export function isWriteConflict(error: unknown): boolean {
	for (const { code, kind, originalCode } of causes(error)) {
		if (code === 'P2034' || kind === 'TransactionWriteConflict') return true;
		if (originalCode === '40001' || originalCode === '40P01') return true;
	}
	return false;
}

/** Whether a write failed on a unique key (Prisma's P2002, or the driver adapter's own error). */
export function isUniqueViolation(error: unknown): boolean {
	for (const { code, kind } of causes(error)) {
		if (code === 'P2002' || kind === 'UniqueConstraintViolation') return true;
		// better-sqlite3's own error, from the seam's prepared statements.
		if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
	}
	return false;
}

/**
 * Whether a write needed a row that was not there (Prisma's P2025): on PostgreSQL another request
 * can remove it between a service's check and its write, so to the caller the thing is gone.
 */
export function isRecordGone(error: unknown): boolean {
	for (const { code } of causes(error)) if (code === 'P2025') return true;
	return false;
}
