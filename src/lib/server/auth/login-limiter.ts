import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

const WINDOW_SECONDS = 15 * 60;

/**
 * Slows down password guessing: every attempt counts against the client's IP, and every failure
 * counts against the account. A success clears the account's failures.
 */
export class LoginLimiter {
	readonly #perIp: RateLimiterMemory;
	readonly #perAccount: RateLimiterMemory;

	constructor(maxAttemptsPerIp: number, maxFailuresPerAccount: number) {
		this.#perIp = new RateLimiterMemory({ points: maxAttemptsPerIp, duration: WINDOW_SECONDS });
		this.#perAccount = new RateLimiterMemory({
			points: maxFailuresPerAccount,
			duration: WINDOW_SECONDS
		});
	}

	/** Counts an attempt from this IP and refuses when the IP or the account is over its limit. */
	async check(ip: string, email: string): Promise<void> {
		try {
			await this.#perIp.consume(ip);
		} catch (e) {
			throw tooMany(e, 'Too many sign-in attempts from your network.');
		}
		const account = await this.#perAccount.get(email);
		if (account && account.remainingPoints <= 0) {
			throw tooMany(account, 'Too many failed sign-ins for this account.');
		}
	}

	async recordFailure(email: string): Promise<void> {
		await this.#perAccount.penalty(email, 1);
	}

	async recordSuccess(email: string): Promise<void> {
		await this.#perAccount.delete(email);
	}
}

function tooMany(result: unknown, reason: string): AppError {
	const ms = result instanceof RateLimiterRes ? result.msBeforeNext : WINDOW_SECONDS * 1000;
	const minutes = Math.max(1, Math.ceil(ms / 60_000));
	return new AppError(
		'rate_limited',
		`${reason} Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
		{ retryAfterSeconds: Math.ceil(ms / 1000) }
	);
}
