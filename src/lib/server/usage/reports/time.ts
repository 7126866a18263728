/** Reports over time: tokens and messages per day by model, the weekly heatmap, notes activity. */
import type { ReportRow } from '#lib/shared/usage.ts';
import { dayString, parseDay } from '../calendar.ts';
import type { ReportDef } from '../report-kit.ts';
import { q } from '../../db/sql.ts';

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export const dailyTokensReport: ReportDef = {
	name: 'daily-tokens',
	title: 'Tokens per day',
	description: 'Prompt and answer tokens per day and model (days and models with answers).',
	columns: [
		{ key: 'day', label: 'Day', kind: 'day' },
		{ key: 'model', label: 'Model', kind: 'text' },
		{ key: 'promptTokens', label: 'Tokens in', kind: 'int' },
		{ key: 'completionTokens', label: 'Tokens out', kind: 'int' },
		{ key: 'totalTokens', label: 'Tokens', kind: 'int' }
	],
	async run({ facts }) {
		const rows = (await facts.daily())
			.filter((r) => r.model !== '' && r.answers > 0)
			.map((r) => ({
				day: dayString(r.localDay),
				model: r.model,
				promptTokens: r.promptTokens,
				completionTokens: r.completionTokens,
				totalTokens: r.promptTokens + r.completionTokens
			}));
		return { rows };
	}
};

export const dailyMessagesReport: ReportDef = {
	name: 'daily-messages',
	title: 'Messages per day',
	description: 'AI answers per day and model, and channel messages per day.',
	columns: [
		{ key: 'day', label: 'Day', kind: 'day' },
		{ key: 'kind', label: 'Kind', kind: 'text' },
		{ key: 'model', label: 'Model', kind: 'text' },
		{ key: 'messages', label: 'Messages', kind: 'int' }
	],
	async run({ facts }) {
		const rows: ReportRow[] = [];
		for (const r of await facts.daily()) {
			const day = dayString(r.localDay);
			if (r.model === '' && r.messages > 0) {
				rows.push({ day, kind: 'channel', model: '', messages: r.messages });
			} else if (r.model !== '' && r.answers > 0) {
				rows.push({ day, kind: 'answer', model: r.model, messages: r.answers });
			}
		}
		return { rows };
	}
};

export const heatmapReport: ReportDef = {
	name: 'heatmap',
	title: 'When people use Parley',
	description: 'Channel messages and AI answers by weekday and hour, in the chosen time zone.',
	columns: [
		{ key: 'weekday', label: 'Weekday', kind: 'text' },
		{ key: 'hour', label: 'Hour', kind: 'int' },
		{ key: 'events', label: 'Messages and answers', kind: 'int' }
	],
	async run({ facts }) {
		const counts = new Map((await facts.heatmap()).map((c) => [c.weekday * 24 + c.hour, c.events]));
		const rows: ReportRow[] = [];
		WEEKDAYS.forEach((weekday, w) => {
			for (let hour = 0; hour < 24; hour++) {
				rows.push({ weekday, hour, events: counts.get(w * 24 + hour) ?? 0 });
			}
		});
		return { rows };
	}
};

/**
 * Notes editing per day, from `NoteActivity (noteId, userId, day 'YYYY-MM-DD', edits)`, which the
 * notes store hook (notes/hooks/store.ts) keeps per UTC day.
 */
export const notesReport: ReportDef = {
	name: 'notes',
	title: 'Notes editing',
	description: 'Note edits and editors per day (from the notes feature’s activity table).',
	columns: [
		{ key: 'day', label: 'Day', kind: 'day' },
		{ key: 'edits', label: 'Edits', kind: 'int' },
		{ key: 'editors', label: 'Editors', kind: 'int' },
		{ key: 'notes', label: 'Notes edited', kind: 'int' }
	],
	async run({ db, range, facts }) {
		// NoteActivity keeps whole UTC days (not quarter-hours), so these days are UTC days rather
		// than cut at the viewer's midnight, and note edits stay out of active people and the heatmap.
		// Filters: notes belong to the local instance and to no model.
		const { scope } = facts;
		if (scope.model || !scope.instances.includes('local')) {
			return { rows: [], meta: { available: true } };
		}
		const from = dayString(range.current.firstDay);
		const to = dayString(range.current.lastDay);
		const byUser = scope.user ? q` AND "userId" = ${scope.user}` : q``;
		const rows = await db.all<{ day: string; edits: number; editors: number; notes: number }>(
			q`SELECT day, SUM(edits) AS edits, COUNT(DISTINCT "userId") AS editors,
	COUNT(DISTINCT "noteId") AS notes FROM "NoteActivity"
WHERE day >= ${from} AND day <= ${to}${byUser} GROUP BY day ORDER BY day`
		);
		return {
			rows: rows.filter((r) => !Number.isNaN(parseDay(r.day))),
			meta: { available: true }
		};
	}
};
