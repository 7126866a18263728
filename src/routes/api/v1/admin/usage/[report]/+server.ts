import { json } from '@sveltejs/kit';
import { AppError } from '#lib/server/errors.ts';
import { api, requireAdmin } from '#lib/server/http/api.ts';
import { csvFilename, toCsv } from '#lib/server/usage/export.ts';
import { reportName } from '#lib/server/usage/usage.service.ts';
import { usageQueryInput } from '#lib/shared/schemas/usage.ts';
import type { RequestHandler } from './$types';

/**
 * One usage report for a range and filters (see docs/protocol.md): JSON by default, or the CSV the
 * dashboard's "Export CSV" downloads with `?format=csv`. Same query, same rows.
 */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	requireAdmin(locals);
	const format = url.searchParams.get('format') ?? 'json';
	if (format !== 'json' && format !== 'csv') {
		throw new AppError('validation', 'Format must be json or csv.', {
			fields: { format: 'Use json or csv.' }
		});
	}
	const name = reportName(params.report);
	const result = await locals.app.usage.report(name, usageQueryInput(url.searchParams));
	if (format === 'json') return json(result);
	return new Response(toCsv(result), {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${csvFilename(result)}"`,
			'cache-control': 'no-store'
		}
	});
});
