import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Unknown API paths answer in the API's JSON error format, not with an HTML page. */
export const fallback: RequestHandler = ({ url }) =>
	json(
		{ error: { code: 'not_found', message: `No API endpoint at ${url.pathname}.` } },
		{ status: 404 }
	);
