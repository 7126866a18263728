import { json } from '@sveltejs/kit';

/** What a client is told while the database cannot be reached (see db/unavailable.ts). */
export const UNAVAILABLE = {
	code: 'unavailable',
	message: 'The database is unavailable for a moment. Try again in a few seconds.'
} as const;

const RETRY_AFTER_SECONDS = '2';

/** A 503 that says to retry shortly: the API's JSON error, or plain text for a page. */
export function unavailableResponse(as: 'json' | 'text'): Response {
	const headers = { 'retry-after': RETRY_AFTER_SECONDS, 'cache-control': 'no-store' };
	if (as === 'json') {
		return json({ error: UNAVAILABLE }, { status: 503, headers });
	}
	return new Response(`${UNAVAILABLE.message}\n`, {
		status: 503,
		headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }
	});
}
