import type { ConnectionFailure, ConnectionTest } from '#lib/shared/sync.ts';
import { RemoteError, type OpenWebUIClient, type RemoteFailure } from './owui-client.ts';
import { isObject, readPage, ShapeError, str } from './remote.ts';

/** A connection check that failed, with the reason in words and as a code. */
export class ConnectionError extends Error {
	readonly code: ConnectionFailure;

	constructor(code: ConnectionFailure, message: string) {
		super(message);
		this.name = 'ConnectionError';
		this.code = code;
	}
}

const CODES: Record<RemoteFailure, ConnectionFailure> = {
	unreachable: 'unreachable',
	blocked: 'blocked',
	timeout: 'timeout',
	not_api: 'not_api',
	unauthorized: 'key_refused',
	forbidden: 'not_admin',
	not_found: 'bad_response',
	rate_limited: 'server_error',
	server_error: 'server_error',
	bad_response: 'bad_response',
	too_large: 'bad_response',
	http_error: 'bad_response',
	cancelled: 'unreachable'
};

/** Explains a failed request of a connection check, in the admin's terms. */
export function connectionError(error: unknown, baseUrl: string): ConnectionError {
	if (error instanceof ConnectionError) return error;
	if (error instanceof ShapeError) {
		return new ConnectionError(
			'bad_response',
			`Unexpected answer from Open WebUI: ${error.message}`
		);
	}
	if (!(error instanceof RemoteError)) throw error;
	const host = (() => {
		try {
			return new URL(baseUrl).host;
		} catch {
			return baseUrl;
		}
	})();
	const code = CODES[error.failure];
	const messages: Partial<Record<ConnectionFailure, string>> = {
		unreachable: `Could not reach ${host}: ${error.message.replace(/^GET \S+: /, '')} Check the URL and that the server is up.`,
		blocked: error.message.replace(/^GET \S+: /, ''),
		timeout: `${host} did not answer in time (${error.message.replace(/^GET \S+: /, '')})`,
		not_api: `${baseUrl} answers with a web page (HTML, status ${error.status ?? 200}), not Open WebUI’s API. Use the server’s root URL, e.g. https://chat.example.com.`,
		key_refused: `Open WebUI refused the API key (401). Check the key, and that API keys are enabled on the instance (Admin Settings → General).`,
		not_admin: `The API key is not an admin’s (403 on ${error.path.split('?')[0]}). Sync needs the key of an admin account.`
	};
	return new ConnectionError(code, messages[code] ?? `Unexpected answer: ${error.message}`);
}

export interface ConnectionInfo {
	version: string | null;
	account: { name: string; email: string; role: string };
	users: number;
}

/**
 * Checks that `baseUrl` is an Open WebUI API and that the key is an admin's: the version (public),
 * the key's account (`/api/v1/auths/`), then one page of users (admin only).
 */
export async function checkConnection(
	client: OpenWebUIClient,
	baseUrl: string
): Promise<ConnectionInfo> {
	try {
		let version: string | null = null;
		try {
			const body = await client.get('/api/version');
			version = isObject(body) ? client.clean(str(body.version)) : null;
		} catch (error) {
			// Older or locked-down servers may not expose it; anything else is a real problem.
			if (!(error instanceof RemoteError) || error.failure !== 'not_found') throw error;
		}
		const me = await client.get('/api/v1/auths/');
		if (!isObject(me)) throw new ShapeError('/api/v1/auths/ did not return an account.');
		const account = {
			name: client.clean(str(me.name)) ?? '',
			email: client.clean(str(me.email)) ?? '',
			role: client.clean(str(me.role)) ?? ''
		};
		if (account.role !== 'admin') {
			throw new ConnectionError(
				'not_admin',
				`The API key belongs to ${account.name || account.email || 'an account'}${account.email && account.name ? ` (${account.email})` : ''}, whose role is “${account.role || 'unknown'}”. Sync needs the key of an admin account.`
			);
		}
		const page = readPage(
			await client.get('/api/v1/users/', { page: 1, order_by: 'created_at', direction: 'asc' }),
			'users',
			'user'
		);
		return { version, account, users: page.total ?? page.items.length };
	} catch (error) {
		throw connectionError(error, baseUrl);
	}
}

export function toConnectionTest(
	result: { ok: true; info: ConnectionInfo } | { ok: false; error: ConnectionError }
): ConnectionTest {
	return result.ok
		? { ok: true, ...result.info }
		: { ok: false, code: result.error.code, reason: result.error.message };
}
