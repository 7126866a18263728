import { json } from '@sveltejs/kit';
import { VERSION } from '#lib/server/version.ts';
import type { RequestHandler } from './$types';

/** Liveness and readiness: 200 when the database answers, 503 when it does not. */
export const GET: RequestHandler = async ({ locals }) => {
	let database: 'ok' | 'error' = 'ok';
	try {
		await locals.app.db.$queryRawUnsafe('SELECT 1');
	} catch (error) {
		locals.log.error({ err: error }, 'health check: database unavailable');
		database = 'error';
	}
	const ok = database === 'ok';
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
