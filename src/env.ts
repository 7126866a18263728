import { defineEnvVars } from '@sveltejs/kit/env';
import * as v from 'valibot';

/** Reads an optional integer variable with a default and bounds. */
function int(fallback: number, min: number, max: number) {
	return v.pipe(
		v.optional(v.string(), String(fallback)),
		v.transform(Number),
		v.integer('must be an integer'),
		v.minValue(min),
		v.maxValue(max)
	);
}

/** One key: 32 bytes in base64 or base64url (`openssl rand -base64 32`). */
const KEY = /^[A-Za-z0-9+/_-]{43}=?$/;
const KEY_MESSAGE =
	'must be 32 random bytes in base64 (44 characters), e.g. the output of `openssl rand -base64 32`';
/** `host:port`, with IPv6 hosts in brackets. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s,:/@[\]]+):([1-9]\d{0,4})$/;

/** A comma-separated list whose every entry passes `valid`. */
function list(valid: (entry: string) => boolean, message: string) {
	return v.pipe(
		v.string(),
		v.check(
			(text) =>
				text
					.split(',')
					.map((entry) => entry.trim())
					.filter(Boolean)
					.every(valid),
			message
		)
	);
}

/**
 * Every setting Parley reads from the environment, with its default. Documented in README.md.
 * Server code reads the parsed values through `#lib/server/config.ts`, which validates
 * `process.env` against these same schemas, so the CLI and the custom server agree with SvelteKit.
 */
export const variables = defineEnvVars({
	HOST: { schema: v.optional(v.string(), '0.0.0.0') },
	PORT: { schema: int(3000, 0, 65535) },
	ORIGIN: {
		schema: v.optional(
			v.pipe(v.string(), v.url('must be a URL such as https://parley.example.com'))
		)
	},
	DATA_DIR: { schema: v.optional(v.pipe(v.string(), v.minLength(1)), './data') },
	DATABASE_URL: { schema: v.optional(v.pipe(v.string(), v.minLength(1))) },
	LOG_LEVEL: {
		schema: v.optional(
			v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
			'info'
		)
	},
	SESSION_DAYS: { schema: int(30, 1, 365) },
	LOGIN_MAX_ATTEMPTS_PER_IP: { schema: int(30, 1, 10_000) },
	LOGIN_MAX_FAILURES_PER_ACCOUNT: { schema: int(10, 1, 10_000) },
	CHANNEL_MESSAGES_PER_SECOND: { schema: int(10, 1, 10_000) },
	CHANNEL_MESSAGE_BURST: { schema: int(30, 1, 100_000) },
	CHAT_MAX_CONCURRENT_PER_USER: { schema: int(3, 1, 100) },
	/** Reasoning models can think for minutes before their first token. */
	CHAT_FIRST_TOKEN_TIMEOUT_MS: { schema: int(600_000, 1000, 3_600_000) },
	CHAT_STALL_TIMEOUT_MS: { schema: int(120_000, 1000, 3_600_000) },
	CHAT_PROMPT_MAX_CHARS: { schema: int(32_000, 100, 1_000_000) },
	/** Socket events per user per second, over all their connections (note sync has its own). */
	SOCKET_EVENTS_PER_SECOND: { schema: int(20, 1, 10_000) },
	/**
	 * Extra events per user per 10 s. Shared by all of a user's tabs, which a server restart
	 * reconnects at once, each asking for its lists again.
	 */
	SOCKET_EVENT_BURST: { schema: int(200, 1, 100_000) },
	/**
	 * Largest socket message. 4 MiB so that a 1 MB paste into a note (about 1.1 MB as a Yjs update)
	 * fits with room to spare; keep it above NOTE_MAX_UPDATE_BYTES.
	 */
	SOCKET_MAX_PAYLOAD_BYTES: { schema: int(4 * 1_048_576, 1024, 64 * 1_048_576) },
	/** Sockets one user may hold at once: every tab, device, session and API token together. */
	SOCKET_CONNECTIONS_PER_USER: { schema: int(50, 1, 1_000_000) },
	/**
	 * Socket connections, signed in or not, from one client address (IPv6: one /64). Generous, for
	 * offices behind one NAT; behind a reverse proxy, set ADDRESS_HEADER or every client is the proxy.
	 */
	SOCKET_CONNECTIONS_PER_IP: { schema: int(500, 1, 1_000_000) },
	/** A connection that has not signed in (Socket.IO's CONNECT) within this time is closed. */
	SOCKET_CONNECT_TIMEOUT_MS: { schema: int(10_000, 100, 120_000) },
	/**
	 * The request header a trusted reverse proxy puts the client's address in (e.g.
	 * `x-forwarded-for`). Unset: the TCP peer's address. adapter-node reads the same two variables
	 * for the HTTP side, so sign-in limits and socket caps see the same address.
	 */
	ADDRESS_HEADER: {
		schema: v.optional(
			v.pipe(
				v.string(),
				v.toLowerCase(),
				v.regex(/^[a-z0-9-]+$/, 'must be a header name such as x-forwarded-for')
			)
		)
	},
	/** With `x-forwarded-for`: which entry from the right is the client (1 = behind one proxy). */
	XFF_DEPTH: { schema: int(1, 1, 20) },
	/** Largest single Yjs update a note accepts (a paste); bigger ones are refused with an error ack. */
	NOTE_MAX_UPDATE_BYTES: { schema: int(2 * 1_048_576, 1024, 64 * 1_048_576) },
	/** Largest a note's document may grow (its stored state plus the updates since). */
	NOTE_MAX_DOCUMENT_BYTES: { schema: int(16 * 1_048_576, 4096, 1024 * 1_048_576) },
	/** Largest awareness (cursor and presence) message. */
	NOTE_MAX_AWARENESS_BYTES: { schema: int(16_384, 256, 1_048_576) },
	/** Note sync and awareness messages per user per second (all their tabs), with a burst per 10 s. */
	NOTE_SYNC_EVENTS_PER_SECOND: { schema: int(60, 1, 100_000) },
	NOTE_SYNC_EVENT_BURST: { schema: int(300, 1, 1_000_000) },
	/** Malformed note updates one connection may send within 10 minutes before it is closed. */
	NOTE_MAX_MALFORMED_UPDATES: { schema: int(10, 1, 1_000_000) },
	/** A loaded note with nobody in it is unloaded from memory after this long. */
	NOTE_UNLOAD_AFTER_MS: { schema: int(30_000, 50, 3_600_000) },
	/** Compact a note's update log into its snapshot once this many updates are stored after it. */
	NOTE_COMPACT_AFTER_UPDATES: { schema: int(200, 1, 1_000_000) },
	/** Days a note stays in the trash before it is deleted for good. */
	NOTE_TRASH_DAYS: { schema: int(30, 1, 3650) },
	SHUTDOWN_TIMEOUT_MS: { schema: int(10_000, 100, 120_000) },
	/** A client must send a request's headers within this long, and the whole request within the next. */
	HTTP_HEADERS_TIMEOUT_MS: { schema: int(10_000, 1000, 120_000) },
	HTTP_REQUEST_TIMEOUT_MS: { schema: int(30_000, 1000, 3_600_000) },
	/** New accounts one IP address may create per hour. */
	SIGNUP_MAX_PER_IP_PER_HOUR: { schema: int(30, 1, 100_000) },
	/** Wrong current passwords one account may give when changing its password, per 15 minutes. */
	PASSWORD_CHANGE_MAX_FAILURES: { schema: int(5, 1, 1000) },
	/** How often the scheduler looks for instances due a sync; 0 turns scheduled syncs off. */
	SYNC_SCHEDULER_TICK_MS: { schema: int(30_000, 0, 3_600_000) },
	SYNC_REQUEST_TIMEOUT_MS: { schema: int(30_000, 1000, 600_000) },
	/** Retries after a 429, a 5xx, a timeout or a dropped connection (exponential backoff). */
	SYNC_MAX_RETRIES: { schema: int(4, 0, 10) },
	SYNC_RETRY_BASE_MS: { schema: int(500, 1, 60_000) },
	/** Larger answers (a runaway chat) are skipped with an error on the run. */
	SYNC_MAX_RESPONSE_BYTES: { schema: int(32 * 1_048_576, 1024, 1024 * 1_048_576) },
	/**
	 * Internal `host:port` pairs that server-side requests (providers, instances) may reach, e.g.
	 * `127.0.0.1:11434` for Ollama on the same host. Everything else that is not a public address is
	 * refused; metadata, link-local, unspecified and multicast addresses even when listed.
	 */
	OUTBOUND_ALLOW: {
		schema: v.optional(
			list((entry) => {
				const match = HOST_PORT.exec(entry);
				return match !== null && Number(match[2]) <= 65_535;
			}, 'must be host:port entries separated by commas, e.g. 127.0.0.1:11434,[::1]:8080'),
			''
		)
	},
	/** Encrypts API keys at rest; without it, a key is generated into DATA_DIR/secret.key. */
	SECRET_KEY: { schema: v.optional(v.pipe(v.string(), v.trim(), v.regex(KEY, KEY_MESSAGE))) },
	/** Older keys, comma-separated, still read during a rotation (`parley secrets rotate`). */
	SECRET_KEY_PREVIOUS: {
		schema: v.optional(list((key) => KEY.test(key), `each key ${KEY_MESSAGE}`))
	}
});
