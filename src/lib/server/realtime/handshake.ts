import { parse as parseCookies } from 'cookie';
import type { App } from '../app.ts';
import { SESSION_COOKIE } from '../auth/cookies.ts';
import type { HandshakeErrorCode } from '#lib/shared/errors.ts';
import { rooms, type SocketData } from '#lib/shared/events.ts';
import type { Role } from '#lib/shared/schemas/auth.ts';
import { tokenRoom } from '../auth/api-token.service.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { RealtimeServer } from './bus.ts';
import type { ConnectionLimits } from './connection-limits.ts';

type Socket = Parameters<Parameters<RealtimeServer['use']>[0]>[0];

/** A refused handshake: the client sees `message` and `data.code` in its `connect_error`. */
function refusal(
	code: HandshakeErrorCode,
	message: string
): Error & { data: { code: HandshakeErrorCode } } {
	return Object.assign(new Error(message), { data: { code } });
}

/** Whether a browser's Origin may open a socket: the configured ORIGIN, or else the same host. */
export function originAllowed(origin: string, host: string | undefined, configured?: string) {
	if (configured) return origin === new URL(configured).origin;
	try {
		return new URL(origin).host === host;
	} catch {
		return false;
	}
}

/** The API token of a handshake's `auth`, if it signs in with one (the cookie is then ignored). */
function tokenOf(auth: unknown): string | undefined {
	const token = (auth as { token?: unknown } | undefined)?.token;
	return typeof token === 'string' && token ? token : undefined;
}

/**
 * Why a handshake's Origin is refused, if it is. Browsers always send Origin on a WebSocket, so a
 * handshake without one is not a page of this site and may not use the ambient session cookie;
 * scripts and bots sign in with a token and may leave Origin out. A present Origin must be this
 * site's, whatever the credential.
 */
function originProblem(headers: Socket['handshake']['headers'], app: App, token?: string) {
	const { origin, host } = headers;
	if (origin === undefined) {
		if (token) return undefined;
		return 'No Origin header: sign in from a page of this site, or with an API token (auth: { token }).';
	}
	if (originAllowed(origin, host, app.config.ORIGIN)) return undefined;
	return `Origin ${origin} is not allowed.`;
}

/**
 * Authenticates a Socket.IO handshake, which SvelteKit's hooks never see: the same session cookie as
 * pages, or `auth: { token }` with a personal API token. Runs on every reconnect too. A refused
 * handshake's connection is closed once the refusal is on its way, so it holds nothing.
 */
export function handshakeMiddleware(app: App, limits: ConnectionLimits) {
	return async (socket: Socket, next: (err?: Error) => void) => {
		const refuse = (code: HandshakeErrorCode, message: string) => {
			next(refusal(code, message));
			// Socket.IO writes the CONNECT_ERROR on the next tick; close after it, not before.
			setImmediate(() => socket.conn.close());
		};
		try {
			if (limits.overAddressCap(socket.conn)) {
				return refuse(
					'too_many_connections',
					`Too many connections from your network (at most ${limits.caps.perAddress}). Close some tabs, or ask your admin to raise SOCKET_CONNECTIONS_PER_IP.`
				);
			}
			const { headers, auth } = socket.handshake;
			const token = tokenOf(auth);
			const badOrigin = originProblem(headers, app, token);
			if (badOrigin) return refuse('bad_origin', badOrigin);
			const found = await identify(app, headers.cookie, token);
			if ('error' in found) return refuse(found.code, found.error);
			const { data, role } = found;
			socket.data = data;
			// Join before the connection completes so nothing emitted right after it is missed.
			await socket.join(await initialRooms(app, data, role));
			// Gone (or going) while we looked things up: Socket.IO will drop it, so take no slot.
			if (socket.conn.readyState !== 'open') return next(refusal('internal', 'Disconnected.'));
			// The slot is taken in the same tick as next(), after which Socket.IO connects the socket
			// (it checks the connection is still open on the next tick, and nothing can close it in
			// between), so its disconnect handler (attach.ts) always gives the slot back.
			if (!limits.acquire(data.userId, socket.id)) {
				return refuse(
					'too_many_connections',
					`You have ${limits.caps.perUser} connections open (tabs, devices and scripts together). Close some, then reload.`
				);
			}
			next();
		} catch (error) {
			if (isDatabaseUnavailable(error)) {
				app.log.warn({ err: error }, 'socket handshake: database unavailable');
				return refuse('unavailable', 'The database is unavailable for a moment. Reconnecting…');
			}
			app.log.error({ err: error }, 'socket handshake failed');
			refuse('internal', 'The server could not check your sign-in. Try again.');
		}
	};
}

async function identify(
	app: App,
	cookieHeader: string | undefined,
	token: string | undefined
): Promise<{ data: SocketData; role: Role } | { code: HandshakeErrorCode; error: string }> {
	if (token) {
		const found = await app.apiTokens.authenticate(token);
		if (!found) return { code: 'unauthorized', error: 'The API token is invalid or revoked.' };
		const data = { userId: found.user.id, sessionId: null, tokenId: found.tokenId };
		return { data, role: found.user.role };
	}
	const cookie = cookieHeader ? parseCookies(cookieHeader)[SESSION_COOKIE] : undefined;
	if (!cookie) return { code: 'unauthorized', error: 'Sign in to connect.' };
	const valid = await app.sessions.validate(cookie);
	if (!valid) return { code: 'unauthorized', error: 'Your session has expired. Sign in again.' };
	if (valid.user.status !== 'active') {
		return { code: 'forbidden', error: 'Your account is waiting for an admin to approve it.' };
	}
	const data = { userId: valid.user.id, sessionId: valid.session.id, tokenId: null };
	return { data, role: valid.user.role };
}

/** The rooms a freshly connected socket joins; `role` is the user's as the sign-in just read it. */
export async function initialRooms(app: App, data: SocketData, role: Role): Promise<string[]> {
	const list = [rooms.user(data.userId)];
	if (data.sessionId) list.push(rooms.session(data.sessionId));
	if (data.tokenId) list.push(tokenRoom(data.tokenId));
	const channelIds = await app.channels.channelIdsOf(data.userId);
	if (role === 'admin') list.push(rooms.admin);
	for (const channelId of channelIds) list.push(rooms.channel(channelId));
	return list;
}
