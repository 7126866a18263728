import type { Server as HttpServer } from 'node:http';
import { getApp, forgetApp, type App } from './app.ts';
import { loadConfig } from './config.ts';
import { applyMigrations } from './db/migrate.ts';
import { backfillNoteSeqs } from './notes/note-sql.ts';
import { attachRealtime } from './realtime/attach.ts';
import type { RealtimeServer } from './realtime/bus.ts';

export interface Running {
	app: App;
	io: RealtimeServer;
	/** Disconnects every socket and stops Socket.IO. */
	closeSockets(): Promise<void>;
	/** Closes the database and timers; call last. */
	close(): Promise<void>;
}

/**
 * Applies pending migrations and creates the App, without any server: what the web server and the
 * CLI (bin/parley.ts) share.
 */
export async function openApp(config = loadConfig()): Promise<App> {
	const applied = await applyMigrations(config.database);
	const app = await getApp(config);
	if (applied.length) app.log.info({ migrations: applied }, 'applied database migrations');
	if (applied.some((name) => /_usage(_day)?_rollups$/.test(name))) {
		// Upgrading to the usage dashboard or to its per-day rollup: count the history once (fast on a
		// fresh database).
		const { days, facts, ms } = await app.usage.rebuild();
		if (facts) app.log.info({ days, facts, ms }, 'built the usage rollups from existing history');
	}
	if (applied.some((name) => name.endsWith('_note_seq_counter'))) {
		// Upgrading to seqs the database assigns: each note's counter starts after its history.
		const notes = await backfillNoteSeqs(app.sql);
		if (notes) app.log.info({ notes }, 'set note seq counters from their history');
	}
	return app;
}

/**
 * Brings Parley up on an HTTP server: applies pending migrations, creates the App and attaches
 * Socket.IO. The production entry (server/index.ts) and the Vite dev plugin both call this.
 */
export async function bootParley(httpServer: HttpServer): Promise<Running> {
	const app = await openApp();
	const interrupted = await app.completions.recoverInterrupted();
	if (interrupted) {
		app.log.warn({ answers: interrupted }, 'marked answers cut off by a restart as interrupted');
	}
	const stale = await app.sync.recoverInterrupted();
	if (stale) app.log.warn({ runs: stale }, 'marked sync runs cut off by a restart as interrupted');
	const io = attachRealtime(httpServer, app);
	return {
		app,
		io,
		async closeSockets() {
			io.disconnectSockets(true);
			await new Promise<void>((resolve) => {
				void io.close(() => resolve());
			});
		},
		async close() {
			await app.close();
			forgetApp();
		}
	};
}
