import { loadConfig, type Config } from './config.ts';
import type { SqlDb } from './db/adapter-sql.ts';
import { openDatabase, type Db } from './db/client.ts';
import { startWalCheckpoints } from './db/wal-checkpoints.ts';
import { DatabaseHealth } from './db/health.ts';
import { createLogger, type Logger } from './logger.ts';
import { RealtimeBus } from './realtime/bus.ts';
import { AccountService } from './auth/account.service.ts';
import { ApiTokenService } from './auth/api-token.service.ts';
import { AuthLimits } from './auth/auth-limits.ts';
import { SessionService } from './auth/session.service.ts';
import { SettingsService } from './auth/settings.service.ts';
import { ChannelService } from './channels/channel.service.ts';
import { MessageService } from './channels/message.service.ts';
import { PresenceService } from './channels/presence.service.ts';
import { ChannelReader } from './channels/reader.service.ts';
import { TypingService } from './channels/typing.service.ts';
import { DirectoryService } from './users/directory.service.ts';
import { ChatMessageService } from './chats/chat-message.service.ts';
import { ChatService } from './chats/chat.service.ts';
import { CompletionService } from './chats/completion.service.ts';
import { ProviderService } from './chats/provider.service.ts';
import { TitleService } from './chats/title.service.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createNotes } from './notes/create.ts';
import type { DocumentManager } from './notes/document-manager.ts';
import type { NoteService } from './notes/note.service.ts';
import { LiveMetrics } from './usage/live-metrics.ts';
import { UsageRollups } from './usage/rollups.ts';
import { UsageService } from './usage/usage.service.ts';
import type { InstanceService } from './sync/instance.service.ts';
import { createSyncServices } from './sync/setup.ts';
import type { SyncService } from './sync/sync.service.ts';
import type { OutboundClient } from './outbound/client.ts';
import { createOutbound, warnRefusedUrls } from './outbound/setup.ts';
import { SecretRedactor } from './secrets/redactor.ts';
import type { SecretStore } from './secrets/secret-store.ts';
import { openSecrets } from './secrets/setup.ts';

/** Everything the server holds once per process: configuration, database, realtime bus and services. */
export interface App {
	config: Config;
	log: Logger;
	db: Db;
	/** The seam's statements on the same connection (db/adapter-sql.ts), for services' hot paths. */
	sql: SqlDb;
	/** Whether the database answers (/healthz). */
	health: DatabaseHealth;
	bus: RealtimeBus;
	sessions: SessionService;
	accounts: AccountService;
	apiTokens: ApiTokenService;
	settings: SettingsService;
	directory: DirectoryService;
	channels: ChannelService;
	reader: ChannelReader;
	messages: MessageService;
	typing: TypingService;
	presence: PresenceService;
	providers: ProviderService;
	completions: CompletionService;
	chats: ChatService;
	/** Sending, editing, regenerating, continuing and stopping chat answers. */
	chatMessages: ChatMessageService;
	notes: NoteService;
	/** The collaboration server: loaded note documents and the sockets in them. */
	noteDocuments: DocumentManager;
	/** Usage reports (admin dashboard, API, CLI). */
	usage: UsageService;
	/** The admins' live operations panel. */
	live: LiveMetrics;
	/** Open WebUI instances (admin CRUD, connection tests). */
	instances: InstanceService;
	/** Open WebUI sync runs (started here, by the scheduler and by the CLI). */
	sync: SyncService;
	/** Every server-side request to an admin-given URL goes through it (SSRF guard). */
	outbound: OutboundClient;
	/** API keys encrypted at rest, and the redactor's list of them. */
	secrets: SecretStore;
	/** Releases timers and the database. */
	close(): Promise<void>;
}

// The custom server, Vite's dev server and SvelteKit's bundle may each load this module; they must
// share one App (one Prisma client, one Socket.IO bus), so it lives on globalThis.
const KEY = Symbol.for('parley.app');
type AppHolder = { [KEY]?: Promise<App> };

/** Returns the process's App, creating it on first use. */
export function getApp(config?: Config): Promise<App> {
	const holder = globalThis as AppHolder;
	holder[KEY] ??= createApp(config ?? loadConfig());
	return holder[KEY];
}

/** Forgets the process's App (after close), so a later getApp() starts afresh. */
export function forgetApp(): void {
	(globalThis as AppHolder)[KEY] = undefined;
}

async function createApp(config: Config): Promise<App> {
	const redactor = new SecretRedactor();
	const log = createLogger(config.LOG_LEVEL, undefined, redactor);
	const outbound = createOutbound(config, log);
	const { db, sql } = await openDatabase(config.database);
	const checkpoints =
		config.database.kind === 'sqlite'
			? await startWalCheckpoints(db, config.database.file, log)
			: undefined;
	const secrets = await openSecrets({ db, config, log, redactor });
	await warnRefusedUrls(db, outbound, log);
	const http = { outbound, redactor };
	const bus = new RealtimeBus();
	const settings = new SettingsService(db);
	const sessions = new SessionService({ db, sql, bus }, config.SESSION_DAYS);
	const limits = new AuthLimits({
		loginAttemptsPerIp: config.LOGIN_MAX_ATTEMPTS_PER_IP,
		loginFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
		signupsPerIpPerHour: config.SIGNUP_MAX_PER_IP_PER_HOUR,
		passwordChangeFailures: config.PASSWORD_CHANGE_MAX_FAILURES
	});
	const apiTokens = new ApiTokenService({ db, sql, bus });
	const accounts = new AccountService({ db, sql, bus, sessions, settings, limits, apiTokens });
	const presence = new PresenceService(bus);
	// The usage rollups move inside every answer's and channel message's transaction.
	const rollups = new UsageRollups(config.database.kind);
	const providers = new ProviderService({ db, http, secrets, log });
	const completions = new CompletionService(
		{ db, sql, bus, log, http, rollups },
		{
			maxPerUser: config.CHAT_MAX_CONCURRENT_PER_USER,
			firstTokenTimeoutMs: config.CHAT_FIRST_TOKEN_TIMEOUT_MS,
			stallTimeoutMs: config.CHAT_STALL_TIMEOUT_MS
		}
	);
	const chats = new ChatService({ db, bus, providers, completions });
	const chatMessages = new ChatMessageService({
		db,
		bus,
		providers,
		completions,
		titles: new TitleService(db, log, http),
		promptMaxChars: config.CHAT_PROMPT_MAX_CHARS
	});
	const sendLimiter = createRateLimiter(
		'send',
		config.CHANNEL_MESSAGES_PER_SECOND,
		config.CHANNEL_MESSAGE_BURST
	);

	const { notes, documents: noteDocuments } = createNotes({ db, sql, bus, log, config });
	// Notes whose time in the trash ran out while the server was down go at start, then hourly.
	notes
		.purgeExpired()
		.catch((error: unknown) => log.error({ err: error }, 'note trash sweep failed'));

	const usage = new UsageService(config.database);
	const { sync, instances, scheduler } = createSyncServices({
		db,
		log,
		bus,
		config,
		http,
		secrets
	});
	scheduler.start();

	const sweep = setInterval(
		() => {
			sessions
				.deleteExpired()
				.catch((error: unknown) => log.error({ err: error }, 'session sweep failed'));
			notes
				.purgeExpired()
				.catch((error: unknown) => log.error({ err: error }, 'note trash sweep failed'));
		},
		60 * 60 * 1000
	);
	sweep.unref();

	const app: App = {
		config,
		log,
		db,
		sql,
		health: new DatabaseHealth(db),
		bus,
		sessions,
		accounts,
		apiTokens,
		settings,
		directory: new DirectoryService(db),
		channels: new ChannelService(db, sql, bus),
		reader: new ChannelReader(sql, bus),
		messages: new MessageService(sql, bus, sendLimiter, rollups),
		typing: new TypingService(sql, bus),
		presence,
		providers,
		completions,
		chats,
		chatMessages,
		notes,
		noteDocuments,
		usage,
		live: new LiveMetrics({
			bus,
			activeStreams: () => completions.activeCount,
			openNotes: () => noteDocuments.openCount
		}),
		instances,
		sync,
		outbound,
		secrets,
		async close() {
			clearInterval(sweep);
			scheduler.stop();
			presence.stop();
			app.live.stop();
			await noteDocuments.close();
			await sync.stopAll();
			await completions.interruptAll();
			await usage.close();
			await outbound.close();
			await checkpoints?.stop();
			await db.$disconnect();
		}
	};
	return app;
}
