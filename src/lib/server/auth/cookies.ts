export const SESSION_COOKIE = 'parley_session';

/** Cookie attributes for the session token: never readable by scripts, Secure over https. */
export function sessionCookieOptions(expiresAt: Date, secure: boolean) {
	return { path: '/', httpOnly: true, sameSite: 'lax', secure, expires: expiresAt } as const;
}
