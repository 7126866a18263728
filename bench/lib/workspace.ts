/**
 * Fills a fresh Parley with what a bench needs, through the app's real entry points:
 * accounts via the sign-up form (one session each, so every member socket signs in with its own
 * cookie), channels via the owner's socket (`channel:create`, `channel:members:add`), API tokens
 * via `POST /api/v1/tokens`.
 */
import { HttpClient } from '../../tests/helpers/client.ts';
import { ok } from '../../tests/helpers/channels.ts';
import type { TestSocket } from '../../tests/helpers/client.ts';
import { connected } from '../../tests/helpers/client.ts';

export interface BenchUser {
	id: string;
	http: HttpClient;
	/** `parley_session=…`, for a socket's handshake. */
	cookie: string;
}

const PASSWORD = 'bench password 1';
/** `channel:members:add` and `channel:create` take at most this many user ids at once. */
const MEMBERS_PER_CALL = 500;

export async function signUp(url: string, email: string, displayName: string): Promise<BenchUser> {
	const http = new HttpClient(url);
	const { response } = await http.signUp({ email, displayName, password: PASSWORD });
	if (response.status !== 303 || !http.sessionToken) {
		throw new Error(`sign-up of ${email} failed with HTTP ${response.status}`);
	}
	const me = await http.json<{ user?: { id: string } }>('/api/v1/me');
	if (!me.body.user) throw new Error(`GET /api/v1/me failed with HTTP ${me.status}`);
	return { id: me.body.user.id, http, cookie: http.cookieHeader };
}

/**
 * Signs up the owner (the first account, so an admin) and then `count` more accounts, at most
 * `concurrency` sign-ups in flight (each hashes a password with Argon2id on the server).
 */
export async function signUpUsers(
	url: string,
	count: number,
	concurrency: number
): Promise<{ owner: BenchUser; users: BenchUser[] }> {
	const owner = await signUp(url, 'owner@bench.test', 'Bench Owner');
	const users: BenchUser[] = new Array(count);
	let next = 0;
	const lane = async () => {
		while (next < count) {
			const i = next++;
			users[i] = await signUp(url, `member${i}@bench.test`, `Member ${i}`);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
	return { owner, users };
}

/** A socket signed in as `user` (session cookie), once connected. */
export async function socketFor(user: BenchUser): Promise<TestSocket> {
	const socket = user.http.socket();
	await connected(socket);
	return socket;
}

/** Creates a public channel owned by the owner socket's user, with `memberIds` as members. */
export async function createChannel(
	owner: TestSocket,
	name: string,
	memberIds: string[]
): Promise<string> {
	const channel = await ok(owner, 'channel:create', {
		kind: 'public',
		name,
		memberIds: memberIds.slice(0, MEMBERS_PER_CALL)
	});
	for (let i = MEMBERS_PER_CALL; i < memberIds.length; i += MEMBERS_PER_CALL) {
		await ok(owner, 'channel:members:add', {
			channelId: channel.id,
			userIds: memberIds.slice(i, i + MEMBERS_PER_CALL)
		});
	}
	return channel.id;
}

export async function createToken(user: BenchUser, name: string): Promise<string> {
	const { status, body } = await user.http.json<{ token?: string }>('/api/v1/tokens', {
		method: 'POST',
		body: { name }
	});
	if (status !== 201 || !body.token) throw new Error(`token creation failed with HTTP ${status}`);
	return body.token;
}
