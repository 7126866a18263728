import { json } from '@sveltejs/kit';
import { VERSION } from '#lib/server/version.ts';
import type { RequestHandler } from './$types';

/** Liveness and readiness: 200 when the database answers, 503 when it does not. */
export const GET: RequestHandler = async ({ locals }) => {
	const check = await locals.app.health.check();
	if (!check.ok) locals.log.error({ err: check.error }, 'health check: database unavailable');
	const ok = check.ok;
	const database = ok ? 'ok' : 'error';
	return json(
		{
			status: ok ? 'ok' : 'degraded',
			version: VERSION,
			database,
			uptimeSeconds: Math.round(process.uptime())
		},
		{ status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } }
	);
};
