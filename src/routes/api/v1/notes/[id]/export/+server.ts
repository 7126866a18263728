import * as v from 'valibot';
import { api, requireUser } from '#lib/server/http/api.ts';
import { readQuery } from '#lib/server/http/query.ts';
import type { RequestHandler } from './$types';

const exportQuery = v.object({
	format: v.optional(v.picklist(['md', 'html'], 'The format is "md" or "html".'), 'md')
});

/** The note's current content as a Markdown or HTML file download. */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const user = requireUser(locals);
	const { format } = readQuery(url, exportQuery);
	const file = await locals.app.notes.export(user, params.id, format);
	return new Response(file.body, {
		headers: {
			'content-type': file.contentType,
			'content-disposition': `attachment; filename="${file.filename}"`,
			// Opened from disk or by mistake in a tab, the page may not run anything.
			'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
			'cache-control': 'no-store'
		}
	});
});
