import type { DatabaseTarget } from '../db/target.ts';
import { AppError } from '../errors.ts';

/**
 * The usage read model (reports, rollup rebuilds) still runs its SQL on the SQLite file only; on
 * PostgreSQL it answers `unavailable` until its PostgreSQL queries land.
 */
export function usageSqliteFile(target: DatabaseTarget): string {
	if (target.kind === 'sqlite') return target.file;
	throw new AppError('unavailable', 'Usage reports are not available on PostgreSQL yet.');
}
