import { AppError } from '#lib/server/errors.ts';
import { isTimeZone } from '#lib/server/usage/calendar.ts';
import { TZ_COOKIE } from '#lib/client/usage/time-zone.ts';
import { PARAM_KEYS, TABLE_ROWS } from '#lib/client/usage/links.ts';
import { DASHBOARD_REPORTS } from '#lib/shared/usage.ts';
import { requirePageAccess } from '#lib/server/http/access.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url, cookies }) => {
	requirePageAccess(locals, url, 'admin');
	const params: Record<string, string> = {};
	for (const key of PARAM_KEYS) {
		const value = url.searchParams.get(key)?.trim();
		if (value) params[key] = value;
	}
	// Without a time zone in the link, use the one this browser told us last time (or UTC); the
	// page then switches to the browser's own zone.
	const remembered = cookies.get(TZ_COOKIE);
	const tz = params.tz ?? (remembered && isTimeZone(remembered) ? remembered : 'UTC');
	const { usage } = locals.app;
	const filters = await usage.options();
	try {
		const results = await usage.run([...DASHBOARD_REPORTS], {
			...params,
			tz,
			pageSize: String(TABLE_ROWS)
		});
		return { params: { ...params, tz }, tzInLink: !!params.tz, filters, results, problem: null };
	} catch (failure) {
		if (!AppError.is(failure)) throw failure;
		return {
			params: { ...params, tz },
			tzInLink: !!params.tz,
			filters,
			results: null,
			problem: failure.toBody()
		};
	}
};
