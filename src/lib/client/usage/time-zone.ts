/** Remembers the browser's time zone so the server renders the dashboard in it next time. */
export const TZ_COOKIE = 'parley_tz';

/** The browser's IANA time zone, e.g. Europe/Paris. */
export function browserTimeZone(): string {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function rememberTimeZone(tz: string): void {
	document.cookie = `${TZ_COOKIE}=${encodeURIComponent(tz)}; path=/; max-age=31536000; samesite=lax`;
}

/** Every time zone this browser knows, for the picker. */
export function timeZones(): string[] {
	try {
		return Intl.supportedValuesOf('timeZone');
	} catch {
		return ['UTC'];
	}
}
