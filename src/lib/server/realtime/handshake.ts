import { parse as parseCookies } from 'cookie';
import type { App } from '../app.ts';
import { SESSION_COOKIE } from '../auth/cookies.ts';
import { rooms, type SocketData } from '#lib/shared/events.ts';
import { tokenRoom } from '../auth/api-token.service.ts';
import type { RealtimeServer } from './bus.ts';

type Socket = Parameters<Parameters<RealtimeServer['use']>[0]>[0];

/** A refused handshake: the client sees `message` and `data.code` in its `connect_error`. */
function refuse(code: string, message: string): Error & { data: { code: string } } {
	return Object.assign(new Error(message), { data: { code } });
}

/** Whether a browser's Origin may open a socket: the configured ORIGIN, or else the same host. */
export function originAllowed(
	origin: string | undefined,
	host: string | undefined,
	configured?: string
) {
	if (!origin) return true; // not a browser: bots and scripts authenticate with a token
	if (configured) return origin === new URL(configured).origin;
	try {
		return new URL(origin).host === host;
	} catch {
		return false;
	}
}

/**
 * Authenticates a Socket.IO handshake, which SvelteKit's hooks never see: the same session cookie as
 * pages, or `auth: { token }` with a personal API token. Runs on every reconnect too.
 */
export function handshakeMiddleware(app: App) {
	return async (socket: Socket, next: (err?: Error) => void) => {
		try {
			const { headers, auth } = socket.handshake;
			if (!originAllowed(headers.origin, headers.host, app.config.ORIGIN)) {
				return next(refuse('bad_origin', `Origin ${headers.origin ?? ''} is not allowed.`));
			}
			const data = await identify(app, headers.cookie, (auth as { token?: unknown }).token);
			if ('error' in data) return next(refuse(data.code, data.error));
			socket.data = data;
			// Join before the connection completes so nothing emitted right after it is missed.
			await socket.join(await initialRooms(app, data));
			next();
		} catch (error) {
			app.log.error({ err: error }, 'socket handshake failed');
			next(refuse('internal', 'The server could not check your sign-in. Try again.'));
		}
	};
}

async function identify(
	app: App,
	cookieHeader: string | undefined,
	token: unknown
): Promise<SocketData | { code: string; error: string }> {
	if (typeof token === 'string' && token) {
		const found = await app.apiTokens.authenticate(token);
		if (!found) return { code: 'unauthorized', error: 'The API token is invalid or revoked.' };
		return { userId: found.user.id, sessionId: null, tokenId: found.tokenId };
	}
	const cookie = cookieHeader ? parseCookies(cookieHeader)[SESSION_COOKIE] : undefined;
	if (!cookie) return { code: 'unauthorized', error: 'Sign in to connect.' };
	const valid = await app.sessions.validate(cookie);
	if (!valid) return { code: 'unauthorized', error: 'Your session has expired. Sign in again.' };
	if (valid.user.status !== 'active') {
		return { code: 'forbidden', error: 'Your account is waiting for an admin to approve it.' };
	}
	return { userId: valid.user.id, sessionId: valid.session.id, tokenId: null };
}

/** The rooms a freshly connected socket joins. */
export async function initialRooms(app: App, data: SocketData): Promise<string[]> {
	const list = [rooms.user(data.userId)];
	if (data.sessionId) list.push(rooms.session(data.sessionId));
	if (data.tokenId) list.push(tokenRoom(data.tokenId));
	const [user, memberships] = await Promise.all([
		app.db.user.findUnique({ where: { id: data.userId }, select: { role: true } }),
		app.db.channelMember.findMany({
			where: { userId: data.userId, removedAt: null },
			select: { channelId: true }
		})
	]);
	if (user?.role === 'admin') list.push(rooms.admin);
	for (const { channelId } of memberships) list.push(rooms.channel(channelId));
	return list;
}
