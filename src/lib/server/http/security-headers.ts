/**
 * Headers on every response the server sends, pages, API and static files alike. The
 * Content-Security-Policy itself comes from SvelteKit (`csp` in vite.config.ts), which puts a fresh
 * nonce on each page's scripts.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
	// Files are served as their declared type only (no sniffing a text file into HTML or script).
	'x-content-type-options': 'nosniff',
	// No page of Parley may be framed (clickjacking); CSP's frame-ancestors says the same.
	'x-frame-options': 'DENY',
	'referrer-policy': 'same-origin',
	'cross-origin-opener-policy': 'same-origin',
	'cross-origin-resource-policy': 'same-origin',
	'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()'
};
