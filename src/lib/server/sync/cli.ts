/**
 * `parley sync …`: runs syncs from a terminal without the web server. Opens the same database (the
 * same environment variables as the server), applies pending migrations first, and takes the same
 * per-instance lock, so it never runs alongside the server's own run of an instance.
 */
import { parseArgs } from 'node:util';
import { openCliContext } from '../cli-context.ts';
import type { Db } from '../db/client.ts';
import { AppError } from '../errors.ts';
import { createOutbound } from '../outbound/setup.ts';
import { ENTITY_LABELS, SYNC_ENTITIES, type SyncRunDto } from '#lib/shared/sync.ts';
import { TerminalProgress } from './cli-progress.ts';
import { createSyncServices } from './setup.ts';

export const SYNC_USAGE = `Usage:
  parley sync [--instance NAME] [--full]   sync one instance (or all of them), with a progress bar
  parley sync status                        instances, their last runs and what is imported

Options:
  -i, --instance NAME   only this instance (by its name in Admin → Instances)
      --full            re-read every chat instead of only what changed since the last run
  -h, --help            show this help

Exit codes: 0 done, 1 a run failed or had errors, 2 bad usage, 3 an instance is already syncing.`;

const number = new Intl.NumberFormat('en-US');
type Services = ReturnType<typeof createSyncServices>;

/** Runs `parley sync` with the arguments after `sync`; resolves with the exit code. */
export async function runSyncCli(args: string[]): Promise<number> {
	let parsed;
	try {
		parsed = parseArgs({
			args,
			allowPositionals: true,
			options: {
				instance: { type: 'string', short: 'i' },
				full: { type: 'boolean', default: false },
				help: { type: 'boolean', short: 'h', default: false }
			}
		});
	} catch (error) {
		process.stderr.write(`${error instanceof Error ? error.message : error}\n\n${SYNC_USAGE}\n`);
		return 2;
	}
	const { values, positionals } = parsed;
	if (values.help) {
		process.stdout.write(`${SYNC_USAGE}\n`);
		return 0;
	}
	const command = positionals[0] ?? 'run';
	if (positionals.length > 1 || !['run', 'status'].includes(command)) {
		process.stderr.write(`Unknown command: sync ${positionals.join(' ')}\n\n${SYNC_USAGE}\n`);
		return 2;
	}

	const { config, db, log, redactor, secrets, close } = await openCliContext();
	const outbound = createOutbound(config, log);
	const http = { outbound, redactor };
	const services = createSyncServices({ db, log, bus: null, config, http, secrets });
	try {
		await services.sync.recoverInterrupted();
		if (command === 'status') return await status(db, services);
		return await syncInstances(services, values.instance, values.full);
	} finally {
		await outbound.close();
		await close();
	}
}

async function syncInstances(
	{ sync, instances }: Services,
	name: string | undefined,
	full: boolean
): Promise<number> {
	const all = await instances.list();
	const chosen = name ? all.filter((i) => i.name === name) : all;
	if (name && !chosen.length) {
		const known = all.map((i) => i.name).join(', ') || 'none yet';
		process.stderr.write(`No instance named “${name}”. Instances: ${known}.\n`);
		return 2;
	}
	if (!chosen.length) {
		process.stderr.write('No instances yet: add one in Admin → Instances.\n');
		return 0;
	}
	let code = 0;
	let current: string | undefined;
	const onSignal = () => {
		if (current) void sync.cancel(current).catch(() => undefined);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		for (const instance of chosen) {
			process.stderr.write(
				`Syncing ${instance.name} (${instance.baseUrl})${full ? ', full' : ''}…\n`
			);
			const bar = new TerminalProgress();
			let run: SyncRunDto;
			try {
				current = instance.id;
				const started = await sync.start(instance.id, {
					trigger: 'cli',
					full,
					onProgress: (p) => bar.update(p)
				});
				run = await started.done;
			} catch (error) {
				if (!AppError.is(error) || error.code !== 'conflict') throw error;
				process.stderr.write(`✗ ${error.message}\n`);
				code = Math.max(code, 3);
				continue;
			} finally {
				current = undefined;
			}
			bar.finish();
			process.stdout.write(`${summary(instance.name, run)}\n`);
			if (run.status !== 'succeeded') code = Math.max(code, 1);
		}
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
	return code;
}

/** The lines printed after a run: status, duration, counts per entity, and the first problems. */
export function summary(name: string, run: SyncRunDto): string {
	const seconds = ((run.durationMs ?? 0) / 1000).toFixed(1);
	const lines = [
		`${name}: ${run.status} in ${seconds} s, ${number.format(run.requests)} requests${run.error ? ` — ${run.error}` : ''}`
	];
	for (const entity of SYNC_ENTITIES) {
		const c = run.counts[entity];
		lines.push(
			`  ${ENTITY_LABELS[entity].padEnd(16)} +${number.format(c.added)} added, ${number.format(c.updated)} updated, ${number.format(c.deleted)} deleted, ${number.format(c.unchanged)} unchanged${c.failed ? `, ${number.format(c.failed)} failed` : ''}`
		);
	}
	for (const issue of run.errors.slice(0, 10)) {
		lines.push(`  ${issue.warning ? 'warning' : 'error'}: ${issue.message}`);
	}
	if (run.errorCount > 10) lines.push(`  … ${run.errorCount - 10} more in Admin → Instances`);
	return lines.join('\n');
}

async function status(db: Db, { instances, sync }: Services): Promise<number> {
	const list = await instances.list();
	if (!list.length) {
		process.stdout.write('No instances yet: add one in Admin → Instances.\n');
		return 0;
	}
	const rows = [
		['Instance', 'Version', 'Last run', 'Status', 'Users', 'Chats', 'Messages', 'Next']
	];
	for (const i of list) {
		const run = i.lastRun;
		const holder = await sync.locks.holder(i.id);
		rows.push([
			i.name,
			i.version ?? '?',
			run
				? `${stamp(run.startedAt)} (${run.trigger}${run.durationMs === null ? '' : `, ${(run.durationMs / 1000).toFixed(1)} s`})`
				: 'never',
			holder ? `running (pid ${holder.pid})` : (run?.status ?? '-'),
			number.format(i.totals.users),
			number.format(i.totals.chats),
			number.format(i.totals.messages),
			i.scheduled && i.nextSyncAt ? stamp(i.nextSyncAt) : 'manual'
		]);
	}
	const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
	const numeric = new Set([4, 5, 6]);
	for (const row of rows) {
		const cells = row.map((cell, c) =>
			numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])
		);
		process.stdout.write(`${cells.join('  ').trimEnd()}\n`);
	}
	const marks = await db.syncWatermark.groupBy({ by: ['instanceId'], _max: { value: true } });
	for (const i of list) {
		const newest = marks.find((m) => m.instanceId === i.id)?._max.value;
		if (newest) {
			process.stdout.write(`${i.name}: newest change imported ${stamp(newest.toISOString())}\n`);
		}
	}
	return 0;
}

/** "2026-11-27 14:30 UTC" */
function stamp(iso: string): string {
	return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
