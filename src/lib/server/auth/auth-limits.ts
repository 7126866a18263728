import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

const FIFTEEN_MINUTES = 15 * 60;
const ONE_HOUR = 60 * 60;

export interface AuthLimitSettings {
	loginAttemptsPerIp: number;
	loginFailuresPerAccount: number;
	signupsPerIpPerHour: number;
	passwordChangeFailures: number;
}

/**
 * Slows down guessing and mass sign-ups. Sign-in: every attempt counts against the client's IP
 * and every failure against the account (a success clears those). Sign-up: every attempt counts
 * against the IP, before the password is hashed. Password change: every wrong current password
 * counts against the account (a success clears them). Failures are only ever counted against the
 * account they guess at, so nobody can lock another person out from elsewhere for long.
 */
export class AuthLimits {
	readonly #loginPerIp: RateLimiterMemory;
	readonly #loginPerAccount: RateLimiterMemory;
	readonly #signupPerIp: RateLimiterMemory;
	readonly #passwordChange: RateLimiterMemory;

	constructor(settings: AuthLimitSettings) {
		this.#loginPerIp = budget('login-ip', settings.loginAttemptsPerIp, FIFTEEN_MINUTES);
		this.#loginPerAccount = budget(
			'login-account',
			settings.loginFailuresPerAccount,
			FIFTEEN_MINUTES
		);
		this.#signupPerIp = budget('signup-ip', settings.signupsPerIpPerHour, ONE_HOUR);
		this.#passwordChange = budget(
			'password-change',
			settings.passwordChangeFailures,
			FIFTEEN_MINUTES
		);
	}

	/** Counts a sign-in attempt from this IP and refuses when the IP or the account is over its limit. */
	async checkLogin(ip: string, email: string): Promise<void> {
		await consume(this.#loginPerIp, ip, 'Too many sign-in attempts from your network.');
		await refuseIfSpent(this.#loginPerAccount, email, 'Too many failed sign-ins for this account.');
	}

	async loginFailed(email: string): Promise<void> {
		await this.#loginPerAccount.penalty(email, 1);
	}

	async loginSucceeded(email: string): Promise<void> {
		await this.#loginPerAccount.delete(email);
	}

	/** Counts a sign-up attempt from this IP, successful or not. */
	async checkSignup(ip: string): Promise<void> {
		await consume(this.#signupPerIp, ip, 'Too many new accounts from your network.');
	}

	/** Refuses a password change while the account has given too many wrong current passwords. */
	async checkPasswordChange(userId: string): Promise<void> {
		await refuseIfSpent(this.#passwordChange, userId, 'Too many wrong current passwords.');
	}

	async passwordChangeFailed(userId: string): Promise<void> {
		await this.#passwordChange.penalty(userId, 1);
	}

	async passwordChangeSucceeded(userId: string): Promise<void> {
		await this.#passwordChange.delete(userId);
	}
}

function budget(keyPrefix: string, points: number, duration: number): RateLimiterMemory {
	return new RateLimiterMemory({ keyPrefix, points, duration });
}

async function consume(limiter: RateLimiterMemory, key: string, reason: string): Promise<void> {
	try {
		await limiter.consume(key);
	} catch (result) {
		throw tooMany(result, limiter.duration, reason);
	}
}

async function refuseIfSpent(limiter: RateLimiterMemory, key: string, reason: string) {
	const used = await limiter.get(key);
	if (used && used.remainingPoints <= 0) throw tooMany(used, limiter.duration, reason);
}

function tooMany(result: unknown, windowSeconds: number, reason: string): AppError {
	const ms = result instanceof RateLimiterRes ? result.msBeforeNext : windowSeconds * 1000;
	const minutes = Math.max(1, Math.ceil(ms / 60_000));
	return new AppError(
		'rate_limited',
		`${reason} Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
		{ retryAfterSeconds: Math.ceil(ms / 1000) }
	);
}
