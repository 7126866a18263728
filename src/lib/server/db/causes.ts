/**
 * An error and the errors it wraps (`cause`, a few levels deep): Prisma, its driver adapter and
 * node-postgres each wrap the one below, and the code that matters can sit at any level.
 */
export function* causes(error: unknown, depth = 5): Generator<Record<string, unknown>> {
	for (let e: unknown = error; e && typeof e === 'object' && depth > 0; depth--) {
		yield e as Record<string, unknown>;
		e = (e as { cause?: unknown }).cause;
	}
}
