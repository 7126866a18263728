import { BurstyRateLimiter, RateLimiterMemory } from 'rate-limiter-flexible';

/**
 * A budget per key: `perSecond` steadily, plus `burst` extra spread over 10 seconds for short
 * spikes (someone pasting several messages at once).
 */
export function createRateLimiter(
	name: string,
	perSecond: number,
	burst: number
): BurstyRateLimiter {
	return new BurstyRateLimiter(
		new RateLimiterMemory({ keyPrefix: name, points: perSecond, duration: 1 }),
		new RateLimiterMemory({ keyPrefix: `${name}-burst`, points: burst, duration: 10 })
	);
}
