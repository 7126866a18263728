import { randomBytes } from 'node:crypto';
import { ok, clientId, RELAXED_LIMITS, type TestUser } from '../helpers/channels.ts';
import { HttpClient } from '../helpers/client.ts';
import { databaseDigest as rawDigest, withTestDb } from '../helpers/database.ts';
import { useParley, type Parley } from '../helpers/kit.ts';
import type { TestServer } from '../helpers/server.ts';
import type { Who } from './routes.ts';

/**
 * The workspace the authorization matrices act in. Olive, a member, owns private things; Mallory,
 * another member, and the admin try to reach them; Penny waits for approval; anonymous has no
 * cookie. Every private thing carries a canary string that must never reach someone without access.
 */
export interface World {
	server: TestServer;
	admin: Actor;
	olive: Actor;
	mallory: Actor;
	penny: HttpClient;
	anonymous: HttpClient;
	/** Strings only Olive may ever receive (`olive`), and those of them and others admins may (`admin`). */
	canaries: { olive: string[]; admin: string[]; penny: string };
	ids: {
		privateChannel: string;
		publicChannel: string;
		dm: string;
		privateMessage: string;
		publicMessage: string;
		chat: string;
		chatUserMessage: string;
		chatAnswer: string;
		privateNote: string;
		viewerNote: string;
		oliveToken: string;
		instance: string;
		provider: string;
		model: string;
		penny: string;
	};
}

/** A signed-up user with a socket, as every actor of the world is. */
export type Actor = TestUser;

const canary = (tag: string) => `canary-${tag}-${randomBytes(6).toString('hex')}`;

/**
 * A fresh server with a fake OpenAI provider for the file, and the world built in it in
 * `beforeAll` (handed to `receive`); everything ends in `afterAll`.
 */
export function useWorld(receive: (world: World) => void): Parley {
	return useParley(
		{ env: RELAXED_LIMITS, fakeProvider: true },
		async (kit) => receive(await buildWorld(kit)),
		60_000
	);
}

async function buildWorld(server: Parley): Promise<World> {
	const admin = await server.user('Ada Admin');
	const oliveEmail = `${canary('olive')}@example.test`;
	const olive = await server.user('Olive Owner', { email: oliveEmail });
	const mallory = await server.user('Mallory Member');

	const pennyEmail = `${canary('penny')}@example.test`;
	await admin.http.json('/api/v1/admin/settings', {
		method: 'PATCH',
		body: { requireApproval: true }
	});
	const penny = new HttpClient(server.url);
	await penny.signUp({ displayName: 'Penny Pending', email: pennyEmail });
	await admin.http.json('/api/v1/admin/settings', {
		method: 'PATCH',
		body: { requireApproval: false }
	});
	const pennyId = (
		await admin.http.json<{ users: { id: string }[] }>(
			`/api/v1/admin/users?q=${encodeURIComponent(pennyEmail)}`
		)
	).body.users[0].id;

	const secret = {
		channel: canary('private-channel'),
		message: canary('private-message'),
		dm: canary('dm-message'),
		chat: canary('chat-prompt'),
		note: canary('private-note'),
		viewerNote: canary('viewer-note'),
		instance: canary('instance'),
		token: canary('token-name')
	};

	const privateChannel = await ok(olive.socket, 'channel:create', {
		kind: 'private',
		name: secret.channel
	});
	const privateMessage = await ok(olive.socket, 'message:send', {
		channelId: privateChannel.id,
		clientId: clientId(),
		body: secret.message
	});
	const publicChannel = await ok(olive.socket, 'channel:create', {
		kind: 'public',
		name: `olive-public-${randomBytes(3).toString('hex')}`
	});
	const publicMessage = await ok(olive.socket, 'message:send', {
		channelId: publicChannel.id,
		clientId: clientId(),
		body: 'hello from the public channel'
	});
	const dm = await ok(olive.socket, 'dm:open', { userIds: [admin.id] });
	await ok(olive.socket, 'message:send', {
		channelId: dm.id,
		clientId: clientId(),
		body: secret.dm
	});

	const model = await server.setUpProvider(admin);
	const provider = (
		await admin.http.json<{ providers: { id: string }[] }>('/api/v1/admin/providers')
	).body.providers[0].id;
	const chat = await ok(olive.socket, 'chat:create', { modelId: model, title: secret.chat });
	const sent = await ok(olive.socket, 'chat:send', {
		chatId: chat.id,
		content: `${secret.chat} [[tokens=3]]`,
		parentId: null,
		clientId: clientId()
	});

	const privateNote = await ok(olive.socket, 'note:create', { title: secret.note });
	const viewerNote = await ok(olive.socket, 'note:create', { title: secret.viewerNote });
	for (const viewer of [mallory, admin]) {
		await ok(olive.socket, 'note:share', {
			noteId: viewerNote.id,
			userId: viewer.id,
			role: 'viewer'
		});
	}

	const token = await olive.http.json<{ summary: { id: string } }>('/api/v1/tokens', {
		method: 'POST',
		body: { name: secret.token }
	});
	const instance = await admin.http.json<{ id: string }>('/api/v1/admin/instances', {
		method: 'POST',
		body: {
			name: secret.instance,
			baseUrl: `https://${secret.instance}.example`,
			apiKey: canary('instance-key')
		}
	});
	if (instance.status !== 201) throw new Error(`instance: ${JSON.stringify(instance.body)}`);

	const world: World = {
		server,
		admin,
		olive,
		mallory,
		penny,
		anonymous: new HttpClient(server.url),
		canaries: {
			olive: [
				oliveEmail,
				secret.channel,
				secret.message,
				secret.dm,
				secret.chat,
				secret.note,
				secret.token
			],
			// What admins may see of it: emails and instances in the admin pages, the DM they are in.
			admin: [pennyEmail, oliveEmail, secret.instance, secret.dm],
			penny: pennyEmail
		},
		ids: {
			privateChannel: privateChannel.id,
			publicChannel: publicChannel.id,
			dm: dm.id,
			privateMessage: privateMessage.id,
			publicMessage: publicMessage.id,
			chat: chat.id,
			chatUserMessage: sent.user.id,
			chatAnswer: sent.assistant.id,
			privateNote: privateNote.id,
			viewerNote: viewerNote.id,
			oliveToken: token.body.summary.id,
			instance: instance.body.id,
			provider,
			model,
			penny: pennyId
		}
	};
	return world;
}

/** Rows that reading or being refused may change (sliding sessions, token last use), left out of the digest. */
const VOLATILE: Record<string, string[]> = {
	Session: ['expiresAt'],
	ApiToken: ['lastUsedAt']
};

/** A digest of every row of every table: equal before and after means nothing was written. */
export function databaseDigest(world: World): Promise<string> {
	return withTestDb(world.server, (db) => rawDigest(db, VOLATILE));
}

/** What `who` must never receive anywhere. */
export function secretsOf(world: World, who: Who): string[] {
	const { olive, admin, penny } = world.canaries;
	if (who === 'admin') return olive.filter((value) => !admin.includes(value));
	const all = [...olive, ...admin];
	// Penny sees her own email on the waiting page.
	return who === 'pending' ? all.filter((value) => value !== penny) : all;
}

/** The canaries (of `list`) that occur in `text`. */
export function leaked(text: string, list: string[]): string[] {
	return list.filter((value) => text.includes(value));
}
